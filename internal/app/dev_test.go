package app

import (
	"context"
	"github.com/bastionhq/bastion/internal/approval"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz/demo"
	slackv1 "github.com/bastionhq/bastion/gen/bastion/slack/v1"
	"github.com/bastionhq/bastion/gen/bastion/slack/v1/slackv1connect"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
)

// startDev runs bastion dev, with the example commands, in a temporary
// directory on a free port until the test ends.
func startDev(t *testing.T) *DevEnv { return startDevWith(t, Options{}) }

// startDevWith runs bastion dev with opts until the test ends.
func startDevWith(t *testing.T, opts Options) *DevEnv { return startDevConfig(t, opts, nil) }

// startDevConfig is startDevWith with the configuration changed by set
// first.
func startDevConfig(t *testing.T, opts Options, set func(*config.Config)) *DevEnv {
	t.Helper()
	dir := t.TempDir()
	out := &lockedBuffer{}
	cfg := config.Default()
	cfg.DB, cfg.Addr, cfg.DevDir = filepath.Join(dir, "bastion.db"), "127.0.0.1:0", dir
	if set != nil {
		set(&cfg)
	}
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan *DevEnv, 1)
	done := make(chan error, 1)
	go func() {
		done <- Dev(ctx, cfg, opts, IO{Stdout: out, Stderr: out}, DevOptions{Ready: func(env *DevEnv) { ready <- env }})
	}()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("bastion dev ended with %v\n%s", err, out)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("bastion dev did not stop\n%s", out)
		}
	})
	select {
	case env := <-ready:
		if !strings.Contains(out.String(), "Open "+env.URL) {
			t.Fatalf("dev did not print the URL to open:\n%s", out)
		}
		return env
	case err := <-done:
		t.Fatalf("bastion dev failed: %v\n%s", err, out)
	case <-time.After(60 * time.Second):
		t.Fatalf("bastion dev did not start\n%s", out)
	}
	return nil
}

// dev installs the app into both demo workspaces through the OAuth flow;
// the support workspace lacks reactions:write, as the console's upgrade
// notice expects.
func TestDevInstallsTheAppThroughOAuth(t *testing.T) {
	env := startDev(t)
	ctx := context.Background()
	for team, want := range map[string]bool{demo.TeamMain: true, demo.TeamOther: false} {
		ok, err := env.Slack.FeatureAvailable(ctx, team, slackapp.FeatureApprovalsByReaction)
		if err != nil || ok != want {
			t.Errorf("approvals by reaction in %s: %v, %v; want %v", team, ok, err, want)
		}
		ok, err = env.Slack.FeatureAvailable(ctx, team, slackapp.FeatureBotMentions)
		if err != nil || !ok {
			t.Errorf("bot mentions in %s: %v, %v; want available", team, ok, err)
		}
	}
}

// dev serves the sandbox page at / and the console, with its user picker,
// at /console/.
func TestDevServesThePageAndTheConsole(t *testing.T) {
	env := startDev(t)
	for path, want := range map[string]string{
		"":                            "Bastion sandbox",
		"console/signin":              "UROLES",
		"ui/state?as=UMEMBER&team=T1": `"UMEMBER"`,
	} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET /%s: %s, want %q in\n%.600s", path, resp.Status, want, body)
		}
	}
}

// The bot answers in the support workspace too, with that workspace's own
// token: T1's could not post in #support (T2). An approval there uses
// buttons, since T2 did not grant reactions:write.
func TestDevAnswersInBothWorkspaces(t *testing.T) {
	env := startDev(t)
	sb := env.Sandbox
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	botSaid := func(channel, ts, want string) (sandbox.Message, bool) {
		for _, m := range sb.Thread(channel, ts) {
			if m.BotID != "" && strings.Contains(m.Text, want) {
				return m, true
			}
		}
		return sandbox.Message{}, false
	}
	wait := func(channel, ts, want string) sandbox.Message {
		t.Helper()
		if err := sb.WaitFor(ctx, func() bool { _, ok := botSaid(channel, ts, want); return ok }); err != nil {
			t.Fatalf("no bot reply containing %q in %s: %v; thread: %+v", want, channel, err, sb.Thread(channel, ts))
		}
		m, _ := botSaid(channel, ts, want)
		return m
	}
	for _, at := range []struct{ team, channel, user string }{
		{demo.TeamOther, demo.ChannelSupport, "USUPPORT"},
		{demo.TeamMain, demo.ChannelBackoffice, "UMEMBER"},
	} {
		ts, err := sb.PostAsUser(at.team, at.channel, at.user, "<@"+sb.BotUserID()+"> help")
		if err != nil {
			t.Fatal(err)
		}
		wait(at.channel, ts, "Commands you can use here")
	}
	ts, err := sb.PostAsUser(demo.TeamOther, demo.ChannelSupport, "USUPPORT", "<@"+sb.BotUserID()+"> archive <#"+demo.ChannelSupport+">")
	if err != nil {
		t.Fatal(err)
	}
	post := wait(demo.ChannelSupport, ts, "Approval needed")
	if !strings.Contains(string(post.Blocks), approval.ApproveActionID) {
		t.Fatalf("approval in %s without buttons: %s", demo.TeamOther, post.Blocks)
	}
	// The dry run's channel reference is rendered, not shown raw in code.
	if !strings.Contains(post.Text, "> Would archive <#C4>.") {
		t.Fatalf("dry run in the request post:\n%s", post.Text)
	}
	// T2 has a second Channels Admin: the request can complete.
	for _, u := range []string{"USUPPORT", "USUPPORT2"} {
		if err := sb.Click(demo.TeamOther, u, demo.ChannelSupport, post.TS, approval.ApproveActionID); err != nil {
			t.Fatal(err)
		}
	}
	wait(demo.ChannelSupport, ts, "Approved by <@USUPPORT>, <@USUPPORT2>. Running")
}

// One demo command works in #backoffice only: help elsewhere leaves it
// out, and asking for it there says where it works.
func TestDevHasACommandLimitedToOneChannel(t *testing.T) {
	env := startDev(t)
	sb := env.Sandbox
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ask := func(channel, text, want string) string {
		t.Helper()
		ts, err := sb.PostAsUser(demo.TeamMain, channel, "UADMIN", "<@"+sb.BotUserID()+"> "+text)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := sb.WaitFor(ctx, func() bool {
			for _, m := range sb.Thread(channel, ts) {
				if m.BotID != "" && strings.Contains(m.Text, want) {
					got = m.Text
					return true
				}
			}
			return false
		}); err != nil {
			t.Fatalf("%s in %s: no reply with %q: %v; thread %+v", text, channel, want, err, sb.Thread(channel, ts))
		}
		return got
	}
	if got := ask(demo.ChannelBackoffice, "help", "Commands you can use here"); !strings.Contains(got, "set plan of <subdomain> to <plan>") {
		t.Errorf("help in #backoffice lacks the plan command:\n%s", got)
	}
	if got := ask(demo.ChannelGeneral, "help", "Commands you can use here"); strings.Contains(got, "set plan of") {
		t.Errorf("help in #general lists the plan command:\n%s", got)
	}
	ask(demo.ChannelGeneral, "set plan of acme to pro", "is not available in this channel. It works in <#C2>.")
}

// A front end asks the API which features a workspace lacks, and gets the
// reinstall link.
func TestDevAnswersFeatureQuestionsOverTheAPI(t *testing.T) {
	env := startDev(t)
	c := slackv1connect.NewInstallationServiceClient(http.DefaultClient, strings.TrimSuffix(env.URL, "/"))
	req := connect.NewRequest(&slackv1.GetFeatureRequest{TeamId: demo.TeamOther, Feature: string(slackapp.FeatureApprovalsByReaction)})
	req.Header().Set("Authorization", "Bearer "+env.APIKey)
	res, err := c.GetFeature(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Msg.GetFeature()
	if f.GetAvailable() || strings.Join(f.GetMissingScopes(), ",") != "reactions:write" || !strings.HasSuffix(res.Msg.GetInstallUrl(), "/slack/install?team="+demo.TeamOther) {
		t.Fatalf("approvals by reaction in %s: %v", demo.TeamOther, res.Msg)
	}
}
