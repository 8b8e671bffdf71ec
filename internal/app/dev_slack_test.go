package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/socketmode"
	"github.com/bastionhq/bastion/slackapp"
)

// replyIn waits for a bot reply containing want in the thread of ts.
func replyIn(t *testing.T, sb *sandbox.Server, channel, ts, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got string
	err := sb.WaitFor(ctx, func() bool {
		for _, m := range sb.Thread(channel, ts) {
			if m.BotID != "" && strings.Contains(m.Text, want) {
				got = m.TS
				return true
			}
		}
		return false
	})
	if err != nil {
		var all []string
		for _, m := range sb.Thread(channel, ts) {
			all = append(all, m.User+": "+m.Text)
		}
		t.Fatalf("no %q in the thread of %s: %v\n%s", want, ts, err, strings.Join(all, "\n"))
	}
	return got
}

// slackWorkspace is a workspace of someone's own, as Slack would hold it:
// none of the demo organisation's ids, the app installed from the Socket
// Mode manifest, and Socket Mode in front.
func slackWorkspace(t *testing.T) (*sandbox.Server, string, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{SigningSecret: "unused-in-socket-mode"})
	sb.Start()
	t.Cleanup(sb.Close)
	serveMust(t, sb.AddTeam(sandbox.Team{ID: "T9GLOBEX", Name: "Globex", Domain: "globex"}))
	for _, c := range []sandbox.Channel{{ID: "C9OPS", Name: "ops", Creator: "U9ADA"}, {ID: "G9MONEY", Name: "money", Type: sandbox.PrivateChannel}} {
		serveMust(t, sb.AddChannel("T9GLOBEX", c))
	}
	for _, u := range []sandbox.User{
		{ID: "U9ADA", Name: "ada", IsAdmin: true},
		{ID: "U9ABE", Name: "abe", IsAdmin: true},
		{ID: "U9PIA", Name: "pia", IsAdmin: true, IsOwner: true, IsPrimaryOwner: true},
		{ID: "U9MIA", Name: "mia"},
		{ID: "U9GUS", Name: "gus", IsRestricted: true},
		{ID: "U9APP", Name: "otherbot", IsBot: true},
	} {
		serveMust(t, sb.AddUser("T9GLOBEX", u))
	}
	token, err := sb.InstallApp("T9GLOBEX", append(slackapp.AllFeatureScopes(), "channels:read", "groups:read")...)
	serveMust(t, err)
	const appToken = "xapp-1-A9-dev"
	sm, err := socketmode.Start(sb, appToken)
	serveMust(t, err)
	t.Cleanup(func() { sm.Close() })
	return sb, token, sm.APIURL()
}

// dev --slack runs the same demo in a workspace of one's own over Socket
// Mode, with two tokens: it learns the workspace's channels and people,
// makes its admins back-office operators, and the tour works there: help,
// a denial, a request approved by two admins. A restart keeps the roles.
func TestDevSlackRunsTheDemoInAWorkspaceOverSocketMode(t *testing.T) {
	sb, token, apiURL := slackWorkspace(t)
	cfg := devConfigIn(t.TempDir())
	cfg.SlackAppToken, cfg.SlackBotToken, cfg.SlackAPIURL = "xapp-1-A9-dev", token, apiURL
	p := launchDev(t, cfg, DevOptions{Slack: true})
	p.out.waitFor(t, "in Slack workspace Globex (T9GLOBEX) over Socket Mode",
		"2 channels the bot can see, 5 people; admins and owners are back-office operators (3), the primary owner a roles admin (1)",
		"say `@bastion help`")
	const bot = "<@UBOT> "
	const ops = "C9OPS"

	help, err := sb.PostAsUser("T9GLOBEX", ops, "U9MIA", bot+"help")
	serveMust(t, err)
	replyIn(t, sb, ops, help, "Commands you can use here")
	archive, err := sb.PostAsUser("T9GLOBEX", ops, "U9MIA", bot+"archive <#G9MONEY|money>")
	serveMust(t, err)
	replyIn(t, sb, ops, archive, "Denied")
	request, err := sb.PostAsUser("T9GLOBEX", ops, "U9ADA", bot+"disable user ann@acme.test")
	serveMust(t, err)
	post := replyIn(t, sb, ops, request, "Would stop ann@acme.test")
	serveMust(t, sb.React("T9GLOBEX", "U9ADA", ops, post, "white_check_mark"))
	serveMust(t, sb.React("T9GLOBEX", "U9ABE", ops, post, "white_check_mark"))
	replyIn(t, sb, ops, request, "ann@acme.test is disabled.")

	// The console shows the workspace's people and its installation.
	res, err := http.Get(p.env.URL + "signin")
	serveMust(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "T9GLOBEX/U9MIA") || strings.Contains(string(page), "U9APP") {
		t.Errorf("the console's picker does not list the workspace's people:\n%.2000s", page)
	}
	if ok, err := p.env.Slack.FeatureAvailable(context.Background(), "T9GLOBEX", slackapp.FeatureApprovalsByReaction); err != nil || !ok {
		t.Errorf("approvals by reaction in the workspace: %v %v", ok, err)
	}
	// A restart learns again and leaves the roles as they are.
	if _, err := p.env.Engine.Revoke(context.Background(), "U9ABE", "BACKOFFICE_OPERATOR", "T9GLOBEX", "test"); err != nil {
		t.Fatal(err)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("dev --slack: %v\n%s", err, p.out)
	}
	again := launchDev(t, cfg, DevOptions{Slack: true})
	again.out.waitFor(t, "2 channels the bot can see, 5 people (roles as you left them)")
	if holds(again.env.Engine, "U9ABE", "BACKOFFICE_OPERATOR", "T9GLOBEX") {
		t.Error("a restart gave a revoked role back")
	}
}

// dev --slack says what it lacks before touching anything.
func TestDevSlackNeedsBothTokens(t *testing.T) {
	cfg := devConfigIn(t.TempDir())
	cfg.SlackBotToken = "xoxb-only"
	err := Dev(context.Background(), cfg, Options{}, IO{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}}, DevOptions{Slack: true})
	var cfgErr ConfigError
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "SLACK_APP_TOKEN is not set") {
		t.Fatalf("dev --slack without an app token: %v", err)
	}
	if _, err := os.Stat(cfg.DB); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dev --slack without an app token opened its database: %v", err)
	}
}
