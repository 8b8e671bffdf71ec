package cli

import (
	"strings"
	"testing"
)

// An assignment to a user with no account anywhere is refused, naming
// who was probably meant, unless pre-provisioning is asked for.
func TestAssignRefusesAUserWithNoAccountUnlessAllowed(t *testing.T) {
	db := demoDB(t)
	if out, code := runCLI(t, db, "", "names", "set", "--user", "UMEMBER", "--name", "Mia (member)", "--in", "T1"); code != 0 {
		t.Fatalf("names set: %d %s", code, out)
	}
	for _, tc := range []struct{ user, suggestion string }{{"Mia", "UMEMBER (Mia (member))"}, {"UMEMBR", "UMEMBER (Mia (member))"}} {
		out, code := runCLI(t, db, "", "assign", "--user", tc.user, "--role", "BACKOFFICE_VIEWER", "--entity", "C2")
		if code != 2 || !strings.Contains(out, `user "`+tc.user+`" has no account in any workspace`) ||
			!strings.Contains(out, "did you mean "+tc.suggestion) || !strings.Contains(out, "--allow-unknown-user") {
			t.Errorf("assign to %s: exit %d\n%s", tc.user, code, out)
		}
		if out, _ := runCLI(t, db, "", "assignments", "--user", tc.user); strings.Contains(out, "BACKOFFICE_VIEWER") {
			t.Errorf("the refused assignment to %s was made:\n%s", tc.user, out)
		}
	}
	// A guest has an account: assigning to one is allowed (and grants
	// nothing, as checks say).
	if out, code := runCLI(t, db, "", "assign", "--user", "UGUEST", "--role", "BACKOFFICE_VIEWER", "--entity", "C2"); code != 0 {
		t.Fatalf("assign to a guest: %d %s", code, out)
	}
	out, code := runCLI(t, db, "", "assign", "--user", "UNEWHIRE", "--role", "BACKOFFICE_VIEWER", "--entity", "C2", "--allow-unknown-user")
	if code != 0 {
		t.Fatalf("assign with --allow-unknown-user: %d %s", code, out)
	}
	if out, _ := runCLI(t, db, "", "assignments", "--user", "UNEWHIRE"); !strings.Contains(out, "BACKOFFICE_VIEWER") {
		t.Fatalf("pre-provisioned assignment missing:\n%s", out)
	}
}
