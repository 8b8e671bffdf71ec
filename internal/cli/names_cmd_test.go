package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNamesSetFindListUnset(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bastion.db")
	if out, code := runCLI(t, db, "", "names", "set", "--user", "UROLES", "--name", "Rita Ortiz", "--handle", "rita", "--in", "T1"); code != 0 || !strings.Contains(out, `user UROLES is "Rita Ortiz"`) {
		t.Fatalf("set: %d %s", code, out)
	}
	out, code := runCLI(t, db, "", "names", "find", "RI", "--json")
	var e map[string]any
	if code != 0 || json.Unmarshal([]byte(strings.TrimSpace(out)), &e) != nil || e["id"] != "UROLES" || e["pinned"] != true || e["source"] != "cli" {
		t.Fatalf("find: %d %s", code, out)
	}
	if out, code := runCLI(t, db, "", "names", "find", "zz"); code != 1 || out != "" {
		t.Fatalf("find nothing: %d %q", code, out)
	}
	if out, code := runCLI(t, db, "", "names", "list", "--kind", "workspace"); code != 0 || out != "" {
		t.Fatalf("list workspaces: %d %q", code, out)
	}
	if out, code := runCLI(t, db, "", "names", "unset", "--user", "UROLES"); code != 0 {
		t.Fatalf("unset: %d %s", code, out)
	}
	if out, code := runCLI(t, db, "", "names", "unset", "--user", "UROLES"); code != 1 || !strings.Contains(out, "has no name") {
		t.Fatalf("unset again: %d %s", code, out)
	}
	for _, bad := range [][]string{
		{"names", "set", "--name", "X"},
		{"names", "set", "--user", "U1", "--channel", "C1", "--name", "X"},
		{"names", "set", "--user", "U1", "--name", "Mia\nadmin"},
		{"names", "set", "--user", "U 1", "--name", "Mia"},
		{"names", "list", "--kind", "group"},
	} {
		if out, code := runCLI(t, db, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", bad, code, out)
		}
	}
}

func TestNamesImportIsAllOrNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bastion.db")
	file := filepath.Join(t.TempDir(), "names.csv")
	if err := os.WriteFile(file, []byte("kind,id,name,handle,team\nuser,UMEMBER,Mia Lopez,mia,T1\nchannel,C2,backoffice,,T1\nworkspace,T1,Acme,,\nenterprise,E1,Acme Corp,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := runCLI(t, db, "", "names", "import", file); code != 0 || !strings.Contains(out, "ok, 4 names") {
		t.Fatalf("import: %d %s", code, out)
	}
	out, code := runCLI(t, db, "", "names", "list")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, `"Acme Corp"`) || !strings.Contains(out, "set by hand") {
		t.Fatalf("list after import:\n%s", out)
	}
	// A bad row writes nothing, and says where it is.
	out, code = runCLI(t, db, "kind,id,name\nuser,UNEW,Newcomer\nuser,UBAD,\n", "names", "import", "-")
	if code != 2 || !strings.Contains(out, "line 3") {
		t.Fatalf("bad import: %d %s", code, out)
	}
	if out, _ := runCLI(t, db, "", "names", "find", "newcomer"); strings.Contains(out, "UNEW") {
		t.Fatal("a refused import wrote a row")
	}
}
