package cli

import (
	"strings"
	"testing"
	"time"
)

func TestAssignForAndUntilListAndExpiring(t *testing.T) {
	db := demoDB(t)
	if out, code := runCLI(t, db, "", "assign", "--user", "UMEMBER", "--role", "BACKOFFICE_VIEWER", "--entity", "C2", "--for", "4h", "--reason", "INC-4211"); code != 0 {
		t.Fatalf("assign --for: %d %s", code, out)
	}
	until := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	if out, code := runCLI(t, db, "", "assign", "--user", "UMEMBER", "--role", "BACKOFFICE_VIEWER", "--entity", "C3", "--until", until); code != 0 {
		t.Fatalf("assign --until: %d %s", code, out)
	}
	out, code := runCLI(t, db, "", "assignments", "--user", "UMEMBER")
	if code != 0 || !strings.Contains(out, "ENDS") || !strings.Contains(out, "(in 4h0m0s)") && !strings.Contains(out, "(in 3h59m59s)") || !strings.Contains(out, "INC-4211") {
		t.Fatalf("assignments --user: %d\n%s", code, out)
	}
	out, code = runCLI(t, db, "", "assignments", "--expiring", "24h")
	if code != 0 || !strings.Contains(out, "C2") || strings.Contains(out, "C3") || strings.Contains(out, "UOPS") {
		t.Fatalf("assignments --expiring 24h: %d\n%s; want the 4h one only", code, out)
	}
	// Extending is a write like any other.
	if out, code := runCLI(t, db, "", "assign", "--user", "UMEMBER", "--role", "BACKOFFICE_VIEWER", "--entity", "C2", "--for", "48h"); code != 0 {
		t.Fatalf("extend: %d %s", code, out)
	}
	if out, code := runCLI(t, db, "", "assignments", "--expiring", "24h"); code != 0 || strings.Contains(out, "C2") {
		t.Fatalf("after extending to 48h, --expiring 24h: %d\n%s", code, out)
	}
	if out, code := runCLI(t, db, "", "audit", "--user", "UMEMBER"); code != 0 || !strings.Contains(out, `before={"user_id":"UMEMBER","role":"BACKOFFICE_VIEWER","entity_id":"C2"`) {
		t.Fatalf("audit of the extension: %d\n%s", code, out)
	}
	for _, bad := range [][]string{
		{"--for", "-1h"}, {"--for", "0s"}, {"--until", "tomorrow"}, {"--until", "2001-01-01T00:00:00Z"}, {"--for", "1h", "--until", until},
	} {
		args := append([]string{"assign", "--user", "UMEMBER", "--role", "BACKOFFICE_VIEWER", "--entity", "C2"}, bad...)
		if out, code := runCLI(t, db, "", args...); code == 0 {
			t.Errorf("%v: exit 0, want an error\n%s", bad, out)
		}
	}
	if out, code := runCLI(t, db, "", "assignments", "--expiring", "-2h"); code == 0 {
		t.Errorf("--expiring -2h: exit 0\n%s", out)
	}
}
