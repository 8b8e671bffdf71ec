package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDB is the database of commands given no --db (BASTION_DB) when
// the working directory holds no database of `bastion dev`.
const DefaultDB = "bastion.db"

// DevDB is the database `bastion dev` keeps in dir.
func DevDB(dir string) string { return filepath.Join(dir, "bastion.db") }

// ChooseDB picks the database of a command given no --db: the one of
// `bastion dev` (devDir, default .bastion) when it exists, so that the
// CLI works on what the sandbox and the console showed, else DefaultDB.
// stat is os.Stat, or a stand-in in tests.
func ChooseDB(devDir string, stat func(string) (os.FileInfo, error)) string {
	if devDir == "" {
		devDir = Default().DevDir
	}
	if fi, err := stat(DevDB(devDir)); err == nil && fi.Mode().IsRegular() {
		return DevDB(devDir)
	}
	return DefaultDB
}

// SQLiteFile is the file a database setting names when it is SQLite
// ("sqlite://PATH" or a plain path); ok is false for other databases.
func SQLiteFile(db string) (path string, ok bool) {
	switch {
	case strings.HasPrefix(db, "sqlite://"):
		return strings.TrimPrefix(db, "sqlite://"), true
	case strings.Contains(db, "://"):
		return "", false
	}
	return db, true
}

// ErrNoDatabase says a command that only reads found no database where
// the setting points.
var ErrNoDatabase = errors.New("no database")

// RequireDB returns an error wrapping ErrNoDatabase, and saying how to
// get one, when db names a SQLite file that does not exist: opening it
// would create an empty database and answer from that. Other databases
// pass.
func RequireDB(db string) error {
	path, ok := SQLiteFile(db)
	if !ok {
		return nil
	}
	_, err := os.Stat(path)
	if err == nil {
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("database %s: %w", path, err)
	}
	return fmt.Errorf("%w at %s: run `bastion dev` (which keeps its database in %s) or `bastion demo-data`, or name one with --db",
		ErrNoDatabase, path, DevDB(Default().DevDir))
}
