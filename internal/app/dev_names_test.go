package app

import (
	"context"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/names"
)

// bastion dev names the demo organisation from the sandbox, and a rename
// in Slack reaches the directory through the bot's events.
func TestDevNamesFollowSlack(t *testing.T) {
	env := startDev(t)
	ctx := context.Background()
	name := func(k names.Key) string {
		t.Helper()
		got, err := env.Names.Lookup(ctx, []names.Key{k})
		if err != nil {
			t.Fatal(err)
		}
		return got[k].Name
	}
	for k, want := range map[names.Key]string{
		{Kind: names.User, ID: "UMEMBER"}:                 "Mia (member)",
		{Kind: names.Channel, ID: demo.ChannelBackoffice}: "backoffice",
		{Kind: names.Team, ID: demo.TeamOther}:            "Acme Support",
		{Kind: names.Enterprise, ID: demo.Enterprise}:     "Acme Corp",
	} {
		if got := name(k); got != want {
			t.Errorf("%s is named %q, want %q", k, got, want)
		}
	}
	if err := env.Sandbox.RenameChannel(demo.TeamMain, demo.ChannelBackoffice, "back-office"); err != nil {
		t.Fatal(err)
	}
	if err := env.Sandbox.RenameUser(demo.TeamMain, "UMEMBER", "mia", "Mia Lopez"); err != nil {
		t.Fatal(err)
	}
	// The directory has no change signal: look again every few
	// milliseconds until the events are handled.
	deadline := time.Now().Add(30 * time.Second)
	for name(names.Key{Kind: names.Channel, ID: demo.ChannelBackoffice}) != "back-office" || name(names.Key{Kind: names.User, ID: "UMEMBER"}) != "Mia Lopez" {
		if time.Now().After(deadline) {
			t.Fatalf("renames did not reach the directory: %q, %q", name(names.Key{Kind: names.Channel, ID: demo.ChannelBackoffice}), name(names.Key{Kind: names.User, ID: "UMEMBER"}))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
