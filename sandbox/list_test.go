package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
)

// conversations.list and users.list answer as Slack does: the types asked
// for, each needing its read scope, in pages a slack-go client follows.
func TestListsChannelsAndPeopleInPages(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, allScopes...)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		must(t, sb.AddUser("T1", sandbox.User{ID: fmt.Sprintf("UX%d", i), Name: fmt.Sprintf("x%d", i)}))
	}
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C2", Name: "made", Creator: "U1", Archived: true}))

	users, err := api.GetUsersContext(ctx, slack.GetUsersOptionLimit(2))
	must(t, err)
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if want := []string{"U1", "U2", "UX0", "UX1", "UX2", "UX3", "UX4"}; !slices.Equal(ids, want) {
		t.Fatalf("users.list in pages of 2: %v, want %v", ids, want)
	}
	if !users[0].IsAdmin || !users[1].IsRestricted {
		t.Errorf("account flags lost: %+v %+v", users[0], users[1])
	}

	list := func(p slack.GetConversationsParameters) []string {
		t.Helper()
		var out []string
		for {
			chans, next, err := api.GetConversationsContext(ctx, &p)
			must(t, err)
			for _, c := range chans {
				out = append(out, c.ID+":"+c.Creator)
			}
			if next == "" {
				return out
			}
			p.Cursor = next
		}
	}
	if got := list(slack.GetConversationsParameters{}); !slices.Equal(got, []string{"C1:", "C2:U1"}) {
		t.Errorf("public channels: %v", got)
	}
	if got := list(slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: 1}); !slices.Equal(got, []string{"C1:", "G1:"}) {
		t.Errorf("live public and private channels, one a page: %v", got)
	}

	sb.SetScopes("T1", "channels:read")
	_, _, err = api.GetConversationsContext(ctx, &slack.GetConversationsParameters{Types: []string{"private_channel"}})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "groups:read" {
		t.Errorf("private channels without groups:read: %v", err)
	}
	if _, err := api.GetUsersContext(ctx); slackCode(err) != "missing_scope" {
		t.Errorf("users.list without users:read: %v", err)
	}
	for _, p := range []slack.GetConversationsParameters{{Types: []string{"nope"}}, {Cursor: "zzz"}} {
		if _, _, err := api.GetConversationsContext(ctx, &p); err == nil {
			t.Errorf("conversations.list %+v succeeded", p)
		}
	}
}
