package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/storetest"
)

// In a direct message a command that needs a permission says what is
// true: permissions are granted on channels, so it runs in a channel (the
// ones it is limited to, when it is), not that the permission service is
// unavailable and to try again. Commands that need none still run there.
func TestDirectMessagesSayWhereCommandsRun(t *testing.T) {
	db := storetest.SQLite(t)
	engine := newEngine(t, db)
	sb, token := newSandbox(t)
	must(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: "DOPS", Type: sandbox.DirectMessage, User: "UOPS"}))
	rt := router.New(router.Options{Authorizer: botauthz.New(engine)})
	must(t, rt.Register(builtin.Commands(engine, rt.Commands)...))
	cmds := newBackoffice().commands()
	cmds = append(cmds, bot.Command{Pattern: "close account <subdomain>", Description: "Close an account.", Permission: "EXTEND_TRIAL",
		Channels: []string{demo.ChannelBackoffice}, Handler: func(ctx context.Context, req *bot.Request) error { return req.Reply(ctx, "closed") }})
	start(t, sb, runner.Options{DB: db, BotToken: token, Router: rt, Commands: cmds, Workers: 2})

	// UOPS may extend trials in #backoffice.
	if got := reply(t, sb, demo.ChannelBackoffice, "UOPS", "<@UBOT> extend acme by 3 days"); got != "extended acme by 3 days" {
		t.Fatalf("in #backoffice: %q", got)
	}
	cases := map[string][]string{
		"extend acme by 3 days": {"needs EXTEND_TRIAL", "direct message", "in a channel"},
		"close account acme":    {"direct message", "<#" + demo.ChannelBackoffice + ">"},
		"show account acme":     {"account acme: plan pro"},
		"whoami":                {"UOPS"},
	}
	for text, want := range cases {
		got := reply(t, sb, "DOPS", "UOPS", text)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%q in a DM: %q, want it to say %q", text, got, w)
			}
		}
		for _, bad := range []string{"unavailable", "Try again"} {
			if strings.Contains(got, bad) {
				t.Errorf("%q in a DM: %q says %q", text, got, bad)
			}
		}
	}
	help := reply(t, sb, "DOPS", "UOPS", "help")
	if strings.Contains(help, "unavailable") || !strings.Contains(help, "# `extend <subdomain> by <days:int> days`") ||
		!strings.Contains(help, "✓ `show account <subdomain>`") {
		t.Errorf("help in a DM must mark the permissioned command as one for channels:\n%s", help)
	}
	if got := reply(t, sb, "DOPS", "UOPS", "help extend"); !strings.Contains(got, "runs in a channel, not in a direct message") {
		t.Errorf("help extend in a DM: %q", got)
	}
}
