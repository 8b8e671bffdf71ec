package rolestest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/sqlite"
)

// Scratch is a permission engine on a store of its own, a SQLite file in a
// temporary folder: the same engine and store as production, so what a
// test answers is what a server would.
type Scratch struct {
	// Engine checks against the catalog Scratch was opened with.
	Engine *authz.Engine
	dir    string
	db     *sqldb.DB
	store  *authzsql.Store
}

// OpenScratch opens an empty store in a new folder under dir (the system's
// temporary folder when dir is empty) and an engine on it checking against
// cat. Close removes the folder.
func OpenScratch(ctx context.Context, cat *authz.Catalog, dir string) (*Scratch, error) {
	tmp, err := os.MkdirTemp(dir, "bastion-roles-test-")
	if err != nil {
		return nil, fmt.Errorf("scratch store: %w", err)
	}
	s := &Scratch{dir: tmp}
	if s.db, err = sqlite.Open(ctx, filepath.Join(tmp, "bastion.db")); err != nil {
		s.Close()
		return nil, fmt.Errorf("scratch store: %w", err)
	}
	if s.store, err = authzsql.Open(ctx, s.db); err != nil {
		s.Close()
		return nil, fmt.Errorf("scratch store: %w", err)
	}
	if s.Engine, err = authz.NewEngine(ctx, s.store, cat, authz.Options{}); err != nil {
		s.Close()
		return nil, fmt.Errorf("scratch engine: %w", err)
	}
	return s, nil
}

// Close releases the store and removes its folder.
func (s *Scratch) Close() error {
	var errs []error
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	errs = append(errs, os.RemoveAll(s.dir))
	return errors.Join(errs...)
}

// DB returns the scratch database, for readers of its tables.
func (s *Scratch) DB() *sqldb.DB { return s.db }
