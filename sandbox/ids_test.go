package sandbox_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/bastionhq/bastion/sandbox"
)

// eventID is the shape of Slack's event ids.
var eventID = regexp.MustCompile(`^Ev[0-9A-Z]{9,}$`)

// Two runs of a sandbox, even with the same clock, never hand out the
// same event id: a bot remembers the ids it saw for a day and would take a
// new event for an old one.
func TestEventIDsAreUniqueAcrossRuns(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	seen := map[string]bool{}
	for run := 0; run < 2; run++ {
		sb, _ := world(t, sandbox.Options{Now: func() time.Time { return at }}, allScopes...)
		for i := 0; i < 3; i++ {
			if _, err := sb.PostAsUser("T1", "C1", "U1", "hello"); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range sb.Deliveries() {
			if !eventID.MatchString(d.EventID) {
				t.Errorf("event id %q is not shaped like Slack's", d.EventID)
			}
			if seen[d.EventID] {
				t.Errorf("run %d repeats event id %s", run, d.EventID)
			}
			seen[d.EventID] = true
		}
	}
	if len(seen) != 6 {
		t.Fatalf("%d event ids, want 6", len(seen))
	}
}
