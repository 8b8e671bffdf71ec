package slackapp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/storetest"
)

// TestUninstallEventsFromSlackMarkInactive delivers the sandbox's signed
// uninstall events to a receiver that hands them to the service.
func TestUninstallEventsFromSlackMarkInactive(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	token, err := f.sb.InstallApp("T2", "chat:write")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"T2", "T2-b"} {
		if err := f.store.SaveInstallation(ctx, slackapp.Installation{ID: id, TeamID: "T2", BotToken: token, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	handled := make(chan string, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, "fixture-secret")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		sv.Write(body)
		if sv.Ensure() != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			return
		}
		ok, err := f.svc.HandleLifecycleEvent(r.Context(), ev.TeamID, ev.InnerEvent.Type)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if ok {
			handled <- ev.InnerEvent.Type
		}
	}))
	defer receiver.Close()
	f.sb.SetEventsURL(receiver.URL)
	if err := f.sb.UninstallApp("T2"); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case typ := <-handled:
			got[typ] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("handled only %v", got)
		}
	}
	if active, err := f.svc.IsActive(ctx, "T2"); active || err != nil {
		t.Fatalf("active after uninstall = %v, %v", active, err)
	}
	if ok, _ := f.svc.HandleLifecycleEvent(ctx, "T2", "message"); ok {
		t.Fatal("a message counted as a lifecycle event")
	}
}
