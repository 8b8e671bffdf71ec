package channels_test

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/router"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/examples/backoffice/channels"
	"github.com/bastionhq/bastion/sandbox"
)

type out struct{ text []string }

func (o *out) Reply(_ context.Context, s string) error { o.text = append(o.text, s); return nil }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixture is a sandbox workspace with the app installed and a router
// that runs the channel commands without approvals, recording which
// permission it checked on which channel.
type fixture struct {
	sb      *sandbox.Server
	router  *router.Router
	checked []string
}

func newFixture(t *testing.T, scopes ...string) *fixture {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1", Domain: "acme"}))
	for _, c := range []sandbox.Channel{
		{ID: "C1", Name: "backoffice"},
		{ID: "C2", Name: "old-project"},
		{ID: "C3", Name: "general"},
		{ID: "G1", Name: "secret", Type: sandbox.PrivateChannel},
		{ID: "D1", Type: sandbox.DirectMessage, User: "U1"},
	} {
		must(t, sb.AddChannel("T1", c))
	}
	must(t, sb.AddUser("T1", sandbox.User{ID: "U1", Name: "ann"}))
	token, err := sb.InstallApp("T1", scopes...)
	must(t, err)

	f := &fixture{sb: sb}
	allow := bot.AuthorizerFunc(func(_ context.Context, _, _, channelID, permission string) (bot.Decision, error) {
		f.checked = append(f.checked, permission+"@"+channelID)
		return bot.Decision{Allowed: true}, nil
	})
	f.router = router.New(router.Options{Authorizer: allow, Risk: &router.RiskPolicy{}})
	must(t, f.router.Register(channels.Commands(slack.New(token, slack.OptionAPIURL(sb.APIURL())), allow)...))
	return f
}

// run types text in channel as U1 and returns the bot's replies.
func (f *fixture) run(channel, text string) string {
	o := &out{}
	f.router.Handle(context.Background(), bot.Message{TeamID: "T1", ChannelID: channel, UserID: "U1", Text: text, TS: "1.1"}, o)
	return strings.Join(o.text, "\n")
}

func (f *fixture) archived() map[string]bool {
	out := map[string]bool{}
	for _, c := range f.sb.Channels("T1") {
		out[c.ID] = c.Archived
	}
	return out
}

func TestArchiveThroughSlack(t *testing.T) {
	f := newFixture(t, "chat:write", "channels:manage", "groups:write")
	if got := f.run("C1", "archive <#C2|old-project>"); got != "Archived <#C2>." {
		t.Fatalf("archive: %q", got)
	}
	if a := f.archived(); !a["C2"] || a["C1"] || a["G1"] {
		t.Fatalf("archived = %v", a)
	}
	// Checked where the command is typed (the router) and on the channel
	// it archives (the handler).
	if len(f.checked) != 2 || f.checked[0] != "ARCHIVE_CHANNEL@C1" || f.checked[1] != "ARCHIVE_CHANNEL@C2" {
		t.Fatalf("permission checks = %v", f.checked)
	}
	if got := f.run("C1", "archive <#C2|old-project>"); got != "<#C2> is already archived; nothing changed." {
		t.Fatalf("second archive: %q", got)
	}
	if got := f.run("C1", "archive <#G1|secret>"); got != "Archived <#G1>." {
		t.Fatalf("private archive: %q", got)
	}
	// The channel the command is typed in may be archived too: Slack decides.
	if got := f.run("C1", "archive <#C1>"); got != "Archived <#C1>." || !f.archived()["C1"] {
		t.Fatalf("archive of the current channel: %q", got)
	}

	for text, want := range map[string][]string{
		"archive <#C3|general>": {"failed", "general channel", "cant_archive_general"},
		"archive <#C404|gone>":  {"failed", "cannot see it", "channel_not_found"},
		"archive <#D1>":         {"failed", "only public and private channels", "method_not_supported_for_channel_type"},
	} {
		got := f.run("D1", text)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", text, got, w)
			}
		}
	}
	if f.archived()["C3"] {
		t.Fatal("general was archived")
	}
}

func TestArchiveNamesTheMissingScope(t *testing.T) {
	f := newFixture(t, "chat:write", "channels:manage")
	got := f.run("C1", "archive <#G1|secret>")
	if !strings.Contains(got, "lacks the groups:write scope") || !strings.Contains(got, "missing_scope") {
		t.Fatalf("private archive without groups:write: %q", got)
	}
	f.sb.SetScopes("T1", "chat:write")
	got = f.run("C1", "archive <#C2|old-project>")
	if !strings.Contains(got, "lacks the channels:manage or groups:write scope") {
		t.Fatalf("archive without either scope: %q", got)
	}
	if a := f.archived(); a["G1"] || a["C2"] {
		t.Fatalf("archived without the scope: %v", a)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	f := newFixture(t, "channels:manage")
	req, err := f.router.Resolve(bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "archive <#C2|old-project>", TS: "1.1"}, &out{})
	must(t, err)
	got, err := req.Command.DryRun(context.Background(), req)
	if err != nil || got != "Would archive <#C2>." {
		t.Fatalf("dry run = %q, %v", got, err)
	}
	if f.archived()["C2"] {
		t.Fatal("dry run archived the channel")
	}
}

// The command is rated Sensitive, so the default risk policy asks for an
// approval, and its permission is one the built-in roles file declares.
func TestCommandIsGuarded(t *testing.T) {
	cmds := channels.Commands(nil, nil)
	if len(cmds) != 1 {
		t.Fatalf("%d commands", len(cmds))
	}
	c := cmds[0]
	if c.Group != "Channels" || c.Risk != bot.Sensitive || c.DryRun == nil {
		t.Fatalf("command = %+v", c)
	}
	if n := router.New(router.Options{}).ApprovalsNeeded(&c); n != 1 {
		t.Fatalf("approvals needed = %d", n)
	}
	catalog, err := rolesfile.LoadBuiltin()
	must(t, err)
	if !catalog.Applies(c.Permission, "channel") {
		t.Fatalf("permission %s does not apply to channels in the built-in roles file", c.Permission)
	}
}

// Errors that are not Slack answers keep their text and stay in the chain.
func TestTransportErrorsAreWrapped(t *testing.T) {
	boom := errors.New("connection refused")
	r := router.New(router.Options{
		Authorizer: bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
			return bot.Decision{Allowed: true}, nil
		}),
		Risk: &router.RiskPolicy{},
	})
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	must(t, r.Register(channels.Commands(archiverFunc(func(context.Context, string) error { return boom }), allow)...))
	req, err := r.Resolve(bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "archive <#C2>", TS: "1.1"}, &out{})
	must(t, err)
	err = req.Command.Handler(context.Background(), req)
	if !errors.Is(err, boom) || err.Error() != "archive <#C2>: connection refused" {
		t.Fatalf("handler error = %v", err)
	}
}

type archiverFunc func(ctx context.Context, channelID string) error

func (f archiverFunc) ArchiveConversationContext(ctx context.Context, channelID string) error {
	return f(ctx, channelID)
}

// A Channels Admin of the channel where the command is typed may not
// archive another channel from there: the handler asks about the target.
func TestArchiveNeedsThePermissionOnTheTarget(t *testing.T) {
	archived := 0
	api := archiverFunc(func(context.Context, string) error { archived++; return nil })
	onlyC1 := bot.AuthorizerFunc(func(_ context.Context, _, _, channelID, _ string) (bot.Decision, error) {
		if channelID == "C1" {
			return bot.Decision{Allowed: true}, nil
		}
		return bot.Decision{Reason: "no role grants ARCHIVE_CHANNEL on " + channelID}, nil
	})
	r := router.New(router.Options{Authorizer: onlyC1, Risk: &router.RiskPolicy{}})
	must(t, r.Register(channels.Commands(api, onlyC1)...))
	o := &out{}
	r.Handle(context.Background(), bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "archive <#C2>", TS: "1.1"}, o)
	if got := strings.Join(o.text, "\n"); !strings.Contains(got, "you need ARCHIVE_CHANNEL on <#C2> itself") || archived != 0 {
		t.Fatalf("reply %q, %d archives", got, archived)
	}
	req, err := r.Resolve(bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "archive <#C2>"}, &out{})
	must(t, err)
	if _, err := req.Command.DryRun(context.Background(), req); err == nil || !strings.Contains(err.Error(), "ARCHIVE_CHANNEL on <#C2>") {
		t.Fatalf("dry run error = %v", err)
	}
	// Without a permission service, nothing is archived.
	nobody := router.New(router.Options{Authorizer: onlyC1, Risk: &router.RiskPolicy{}})
	must(t, nobody.Register(channels.Commands(api, nil)...))
	nobody.Handle(context.Background(), bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "archive <#C1>", TS: "1.2"}, &out{})
	if archived != 0 {
		t.Fatalf("archived without a permission service")
	}
}
