package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/accesssql"
	"github.com/bastionhq/bastion/store/authzmetrics"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Stores are the stores of one process, each opened once and handed to
// every consumer.
type Stores struct {
	// DB is the database all stores live in.
	DB *sqldb.DB
	// Engine is the permission engine over the permission store.
	Engine *authz.Engine
	// Bot keeps the bot's message claims, audit log and approvals; nil
	// unless StoreOptions.Bot.
	Bot *botsql.Store
	// Access keeps the grants of just-in-time access, to remind their
	// holders and tell their ends; opened with Bot.
	Access *accesssql.Store
	// Runs is the ledger of the runs sent to the endpoints of the commands
	// file; nil unless StoreOptions.Runs.
	Runs *httpcommandsql.Ledger
	// Installations keeps Slack installations; nil when no encryption
	// key opens it.
	Installations *installsql.Store
	// Names is the directory of display names the console and the bot
	// show ids by.
	Names *namesql.Store
}

// StoreOptions say how OpenStores opens the stores.
type StoreOptions struct {
	// Registry, when set, records the permission store's latency.
	Registry prometheus.Registerer
	// EncryptionKey opens the installation store; without it there is
	// none.
	EncryptionKey []byte
	// Bot opens the bot's store (migrating its tables); the bot and the
	// console need it.
	Bot bool
	// Runs opens the ledger of the commands file's runs (with --commands).
	Runs bool
}

// OpenStores opens the database of cfg and, on it, the permission engine,
// the bot's store (when asked) and the installation store (with a key),
// migrating each.
// Close releases them.
func OpenStores(ctx context.Context, cfg config.Config, o StoreOptions) (*Stores, error) {
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	s := &Stores{DB: db}
	if err := s.open(ctx, cfg, o); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Stores) open(ctx context.Context, cfg config.Config, o StoreOptions) error {
	var err error
	if s.Engine, err = engineOn(ctx, s.DB, cfg, o.Registry); err != nil {
		return err
	}
	if s.Names, err = namesql.Open(ctx, s.DB); err != nil {
		return err
	}
	if o.Bot {
		if s.Bot, err = botsql.Open(ctx, s.DB); err != nil {
			return fmt.Errorf("open the bot's store: %w", err)
		}
		if s.Access, err = accesssql.Open(ctx, s.DB); err != nil {
			return fmt.Errorf("open the store of temporary grants: %w", err)
		}
	}
	if o.Runs {
		if s.Runs, err = httpcommandsql.Open(ctx, s.DB); err != nil {
			return err
		}
	}
	if o.EncryptionKey != nil {
		sealer, err := slackapp.NewTokenSealer(o.EncryptionKey)
		if err != nil {
			return err
		}
		if s.Installations, err = installsql.Open(ctx, s.DB, sealer); err != nil {
			return fmt.Errorf("open the installation store: %w", err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Stores) Close() error { return s.DB.Close() }

// OpenEngine opens the database of cfg and a permission engine on it,
// for commands that need nothing else. Closing the database releases it.
func OpenEngine(ctx context.Context, cfg config.Config) (*authz.Engine, *sqldb.DB, error) {
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	e, err := engineOn(ctx, db, cfg, nil)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return e, db, nil
}

// engineOn migrates the permission tables of db and returns an engine
// checking against the roles file, its store instrumented on reg when
// reg is not nil.
func engineOn(ctx context.Context, db *sqldb.DB, cfg config.Config, reg prometheus.Registerer) (*authz.Engine, error) {
	cat, err := rolesfile.Load(cfg.Roles)
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
	return authz.NewEngine(ctx, st, cat, authz.Options{UsersInMemory: cfg.UsersInMemory})
}

// EncryptionKey parses cfg's token key; nil without one.
func EncryptionKey(cfg config.Config) ([]byte, error) {
	if cfg.EncryptionKey == "" {
		return nil, nil
	}
	return slackapp.ParseEncryptionKey(cfg.EncryptionKey)
}

// ErrNoEncryptionKey says a command needs the installation store and no
// key opens it.
var ErrNoEncryptionKey = errors.New("BASTION_ENCRYPTION_KEY is not set: it holds the 32-byte key that encrypts Slack tokens (64 hex digits)")
