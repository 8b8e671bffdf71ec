package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without --db the command line works on the database of bastion dev
// when the working directory has one, so that what the tour did shows
// up; read commands on a database that does not exist say so instead of
// creating an empty one and answering from it.
func TestCommandsFindTheDevDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	exitOf := func(err error) int {
		var exit exitError
		if errors.As(err, &exit) {
			return exit.code
		}
		if err != nil {
			return 2
		}
		return 0
	}
	reads := [][]string{
		{"assignments", "--user", "UOPS"}, {"audit"}, {"entity", "list"}, {"roles", "list"}, {"roles", "show", "CHANNELS_ADMIN"},
		{"check", "--team", "T1", "--user", "UOPS", "--entity", "C2", "--permission", "SET_PLAN"},
		{"approvals", "list"}, {"approvals", "show", "1"}, {"slack", "installations"}, {"slack", "backfill-scopes"},
	}
	for _, args := range reads {
		out, errOut, err := execute(t, nil, "", args...)
		if exitOf(err) != 2 || !strings.Contains(err.Error(), "no database at bastion.db") || !strings.Contains(err.Error(), "bastion dev") {
			t.Errorf("%v without a database: %v\n%s%s", args, err, out, errOut)
		}
	}
	if _, err := os.Stat("bastion.db"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a read command created bastion.db: %v", err)
	}

	// bastion dev's database, with the demo organisation.
	if out, code := runCLI(t, filepath.Join(".bastion", "bastion.db"), "", "demo-data"); code != 0 {
		t.Fatalf("demo-data: %d %s", code, out)
	}
	out, _, err := execute(t, nil, "", "assignments", "--user", "UOPS")
	if err != nil || !strings.Contains(out, "BACKOFFICE_OPERATOR") {
		t.Fatalf("assignments with .bastion/bastion.db present: %v\n%s", err, out)
	}
	if _, err := os.Stat("bastion.db"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("bastion.db was created although .bastion/bastion.db exists: %v", err)
	}
	// --db and BASTION_DB still win, and still refuse a missing file.
	for _, env := range []map[string]string{nil, {"BASTION_DB": "other.db"}} {
		args := []string{"assignments", "--user", "UOPS"}
		if env == nil {
			args = append([]string{"--db", "other.db"}, args...)
		}
		if _, _, err := execute(t, env, "", args...); err == nil || !strings.Contains(err.Error(), "no database at other.db") {
			t.Errorf("%v %v: %v", env, args, err)
		}
	}
	// BASTION_DEV_DIR moves where the command line looks, as it moves dev.
	if err := os.Rename(".bastion", "devdir"); err != nil {
		t.Fatal(err)
	}
	out, _, err = execute(t, map[string]string{"BASTION_DEV_DIR": "devdir"}, "", "assignments", "--user", "UOPS")
	if err != nil || !strings.Contains(out, "BACKOFFICE_OPERATOR") {
		t.Fatalf("assignments with BASTION_DEV_DIR: %v\n%s", err, out)
	}
	out, _, _ = execute(t, nil, "", "--help")
	if !strings.Contains(out, "default .bastion/bastion.db (the database of bastion dev) when it exists in the working directory, else bastion.db") {
		t.Errorf("help does not say which database:\n%s", out)
	}
}
