package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
)

func TestAssignFormGivesARoleForAWhile(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.signIn("T1", "UROLES")
	_, page := admin.get("/console/assignments?user=UMEMBER")
	if !strings.Contains(page, `<select name="for" id="assign-for"`) || !strings.Contains(page, `<option value="4h">4 hours</option>`) {
		t.Fatalf("the assign form offers no duration:\n%s", page)
	}
	form := assignForm("UMEMBER", "BACKOFFICE_VIEWER", "C2")
	form.Set("for", "4h")
	form.Set("reason", "INC-4211")
	before := time.Now()
	status, body := admin.post("/console/assignments/assign", form)
	if status != http.StatusOK || !strings.Contains(body, "Assigned BACKOFFICE_VIEWER to UMEMBER on C2 for 4h0m0s.") {
		t.Fatalf("assign for 4h: %d\n%s", status, body)
	}
	list, err := e.engine.Assignments(context.Background(), authz.AssignmentFilter{UserID: "UMEMBER"})
	if err != nil || len(list) != 1 || list[0].Reason != "INC-4211" ||
		list[0].ExpiresAt.Before(before.Add(4*time.Hour).Add(-time.Second)) || list[0].ExpiresAt.After(time.Now().Add(4*time.Hour)) {
		t.Fatalf("stored: %+v, %v; want an end 4h from now and the reason", list, err)
	}
	_, page = admin.get("/console/assignments?user=UMEMBER")
	ends := list[0].ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC")
	if !strings.Contains(page, `data-testid="ends-UMEMBER-BACKOFFICE_VIEWER-C2">`+ends) || !strings.Contains(page, "INC-4211") {
		t.Fatalf("the listing does not show the end %s and reason:\n%s", ends, page)
	}
	form.Set("for", "3m")
	if status, body := admin.post("/console/assignments/assign", form); status == http.StatusOK {
		t.Fatalf("a duration the form does not offer was taken: %d\n%s", status, body)
	}
}
