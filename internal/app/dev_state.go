package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/sandbox"
)

// sandboxStateFile is the file in the dev directory that keeps the
// sandbox's workspaces, messages and reactions between runs.
const sandboxStateFile = "sandbox.json"

// devDBFile is the database's file in the dev directory.
const devDBFile = "bastion.db"

// loadSandbox restores sb from the state file at path, and reports
// whether there was one. A file that cannot be read is an error that
// says how to start clean.
func loadSandbox(sb *sandbox.Server, path string) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the sandbox's state: %w", err)
	}
	st, err := sandbox.DecodeState(data)
	if err == nil {
		err = sb.Restore(st)
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w (bastion dev --reset starts clean)", path, err)
	}
	return true, nil
}

// keepSandbox saves sb's state to path now and after every change until
// its context ends, then once more: a restart finds the conversation
// where it was. A failed save is logged and tried again at the next
// change; the last one is returned.
func keepSandbox(sb *sandbox.Server, path string, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			changed := sb.Changed()
			if err := saveSandbox(sb, path); err != nil {
				log.Warn("save the sandbox's state", "path", path, "error", err)
			}
			select {
			case <-ctx.Done():
				return saveSandbox(sb, path)
			case <-changed:
			}
		}
	}
}

// saveSandbox writes sb's state to path, through a temporary file so
// that a crash leaves the old state or the new one, never half of one.
func saveSandbox(sb *sandbox.Server, path string) error {
	data, err := sb.State().Encode()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("save the sandbox's state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save the sandbox's state: %w", err)
	}
	return nil
}

// resetDev removes what earlier runs of dev kept in cfg.DevDir (the
// database with its journal files and the sandbox's state) and says
// what it removed. It refuses when cfg.DB is not the dev directory's
// database: --reset removes files of the dev directory only.
func resetDev(cfg config.Config, out io.Writer) error {
	own := filepath.Join(cfg.DevDir, devDBFile)
	if path, ok := config.SQLiteFile(cfg.DB); !ok || filepath.Clean(path) != filepath.Clean(own) {
		return ConfigError{fmt.Errorf("--reset starts clean by removing what dev keeps in %s, but --db names %s: empty that database yourself, or leave out --db",
			cfg.DevDir, config.RedactDB(cfg.DB))}
	}
	var removed []string
	for _, name := range []string{devDBFile, devDBFile + "-wal", devDBFile + "-shm", devDBFile + "-journal", sandboxStateFile, sandboxStateFile + ".tmp"} {
		path := filepath.Join(cfg.DevDir, name)
		err := os.Remove(path)
		switch {
		case err == nil:
			removed = append(removed, path)
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("dev --reset: %w", err)
		}
	}
	if len(removed) == 0 {
		fmt.Fprintf(out, "Starting clean: %s held nothing to remove.\n", cfg.DevDir)
		return nil
	}
	fmt.Fprintf(out, "Starting clean: removed %s.\n", strings.Join(removed, ", "))
	return nil
}
