package rolestest_test

import (
	"context"
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
