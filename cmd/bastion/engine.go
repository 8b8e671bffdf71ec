package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"context"
	"fmt"
	"os"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store/authzmetrics"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// openEngine opens the database, migrates the permission tables and returns
// an engine checking against the roles file, with a function to close it.
func (a *app) openEngine(ctx context.Context) (*authz.Engine, func(), error) {
	return a.openEngineWith(ctx, nil)
}

// openEngineWith is openEngine with the store's latency and errors recorded
// on reg (when not nil).
func (a *app) openEngineWith(ctx context.Context, reg prometheus.Registerer) (*authz.Engine, func(), error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	e, err := a.engineOn(ctx, db, reg)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return e, func() { db.Close() }, nil
}

// engineOn migrates the permission tables of an open database and returns
// an engine checking against the roles file, its store instrumented on reg
// when reg is not nil. Closing db releases it.
func (a *app) engineOn(ctx context.Context, db *sqldb.DB, reg prometheus.Registerer) (*authz.Engine, error) {
	cat, err := rolesfile.Load(a.rolesPath)
	if err != nil {
		return nil, err
	}
	sqlStore, err := authzsql.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open permission store: %w", err)
	}
	var st authz.Store = sqlStore
	if reg != nil {
		if st, err = authzmetrics.Instrument(sqlStore, reg); err != nil {
			return nil, fmt.Errorf("instrument permission store: %w", err)
		}
	}
	return authz.NewEngine(ctx, st, cat, authz.Options{UsersInMemory: a.usersInMemory})
}

// actorFlagDefault names the operator for CLI writes: $USER on this host.
func actorFlagDefault() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// withEngine adapts a function needing an engine into a cobra RunE body.
func (a *app) withEngine(ctx context.Context, fn func(*authz.Engine) error) error {
	e, closeFn, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	return fn(e)
}
