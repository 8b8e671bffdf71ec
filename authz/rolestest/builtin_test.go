package rolestest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
)

// runFile parses and runs a test file against the built-in roles file.
func runFile(t *testing.T, path string) *rolestest.Report {
	t.Helper()
	s, err := rolestest.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rolestest.Run(context.Background(), cat, s, rolestest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestBuiltinRolesTestFileHolds(t *testing.T) {
	rep := runFile(t, "../rolesfile/roles_test.yaml")
	var out strings.Builder
	rep.Write(&out, true)
	if len(rep.Failed()) > 0 || len(rep.Results) < 50 {
		t.Fatalf("built-in roles tests:\n%s", out.String())
	}
	t.Log(out.String())
}

// The test file the README shows holds for the built-in roles.
func TestReadmeExampleHolds(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Testing and previewing roles")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no test file example under Testing and previewing roles")
	}
	path := filepath.Join(t.TempDir(), "archive_test.yaml")
	if err := os.WriteFile(path, []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := runFile(t, path)
	var out strings.Builder
	rep.Write(&out, false)
	if len(rep.Failed()) > 0 || len(rep.Results) != 8 {
		t.Fatalf("README example:\n%s", out.String())
	}
}
