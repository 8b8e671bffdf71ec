package channels_test

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/router"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/examples/backoffice/channels"
	"github.com/bastionhq/bastion/sandbox"
)

// Each workspace's archive goes through that workspace's token: T1's
// token cannot see T2's channels.
func TestArchiveUsesTheWorkspacesOwnClient(t *testing.T) {
	sb := sandbox.New(sandbox.Options{})
	sb.Start()
	t.Cleanup(sb.Close)
	clients := map[string]channels.Archiver{}
	for team, channel := range map[string]string{"T1": "C1", "T2": "C2"} {
		must(t, sb.AddTeam(sandbox.Team{ID: team}))
		must(t, sb.AddChannel(team, sandbox.Channel{ID: channel, Name: "old-" + strings.ToLower(team)}))
		must(t, sb.AddUser(team, sandbox.User{ID: "U1"}))
		token, err := sb.InstallApp(team, "chat:write", "channels:manage")
		must(t, err)
		clients[team] = slack.New(token, slack.OptionAPIURL(sb.APIURL()))
	}
	notInstalled := errors.New("not installed")
	apis := channels.ArchiverSourceFunc(func(_ context.Context, team string) (channels.Archiver, error) {
		if c, ok := clients[team]; ok {
			return c, nil
		}
		return nil, notInstalled
	})
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	r := router.New(router.Options{Authorizer: allow, Risk: &router.RiskPolicy{}})
	must(t, r.Register(channels.CommandsFor(apis, allow)...))
	run := func(team, channel, text string) string {
		o := &out{}
		r.Handle(context.Background(), bot.Message{TeamID: team, ChannelID: channel, UserID: "U1", Text: text, TS: "1.1"}, o)
		return strings.Join(o.text, "\n")
	}
	if got := run("T2", "C2", "archive <#C2>"); got != "Archived <#C2>." {
		t.Fatalf("archive in T2: %q", got)
	}
	if got := run("T1", "C1", "archive <#C1>"); got != "Archived <#C1>." {
		t.Fatalf("archive in T1: %q", got)
	}
	for _, c := range append(sb.Channels("T1"), sb.Channels("T2")...) {
		if !c.Archived {
			t.Fatalf("%s not archived", c.ID)
		}
	}
	if got := run("T3", "C3", "archive <#C3>"); !strings.Contains(got, "slack client of workspace T3: not installed") {
		t.Fatalf("archive in a workspace without a client: %q", got)
	}
}
