package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/web"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/slackapp"
)

// tourStart is where the README's tour begins, and where the sandbox's
// bare address opens: Mia, a member, in #backoffice.
var tourStart = web.View{Team: demo.TeamMain, As: "UMEMBER", Channel: demo.ChannelBackoffice}

// devAccessSweepEvery is how often dev looks for temporary grants to
// remind of or end.
const devAccessSweepEvery = 2 * time.Second

// runSandbox runs dev with the local Slack sandbox: the sandbox (as the
// last run left it, or the demo organisation's workspaces), its page at
// /, the install flow, and the bot with each workspace's token.
func (d *devRun) runSandbox(ctx context.Context) (*DevEnv, error) {
	secret, clientSecret := randomToken(16), randomToken(16)
	sb := sandbox.New(sandbox.Options{SigningSecret: secret, ClientID: devClientID, ClientSecret: clientSecret,
		EventsURL: d.base + "/slack/events", InteractionsURL: d.base + "/slack/interactions", Logger: d.log})
	statePath := filepath.Join(d.cfg.DevDir, sandboxStateFile)
	kept, err := loadSandbox(sb, statePath)
	if err != nil {
		return nil, err
	}
	if !kept {
		if err := populateSandbox(sb); err != nil {
			return nil, err
		}
	}
	sb.Start()
	if err := sandboxNames(ctx, d.st.Names, sb); err != nil {
		sb.Close()
		return nil, err
	}
	d.life.start("slack sandbox", func(ctx context.Context) error { <-ctx.Done(); return nil },
		func(context.Context) error { sb.Close(); return nil })
	// Stopped before the sandbox closes and after the bot and the server
	// stop: its last save holds everything they did.
	d.life.start("sandbox state", keepSandbox(sb, statePath, d.log), nil)

	svc := slackapp.NewService(d.st.Installations, slackapp.ServiceOptions{APIURL: sb.APIURL(), Logger: d.log})
	oauth, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{ClientID: devClientID, ClientSecret: clientSecret,
		RedirectURL: d.base + "/slack/oauth/callback", AuthorizeURL: sb.URL() + "/oauth/v2/authorize",
		StateSecret: []byte(randomToken(16))}, svc)
	if err != nil {
		return nil, err
	}
	page := web.New(sb, web.Options{Label: devLabel(d.st.Engine), Title: "Bastion sandbox", Start: tourStart, Logger: d.log})
	late := &lateHandler{}
	apiKey := randomToken(16)
	srv := server.New(d.st.Engine, server.Options{APIKeys: []string{apiKey}, Registry: d.reg, Logger: d.log,
		Services: []server.Service{installationService(svc, d.base+"/slack/install")},
		Extra: map[string]http.Handler{
			"/slack/install":      oauth,
			"/slack/oauth/":       oauth,
			"/slack/events":       late,
			"/slack/interactions": late,
			"/console/":           d.console.Handler(),
			"/":                   page,
		}})
	serveHTTP(d.life, srv, d.ln, d.log, d.console.Close, page.Close)
	d.serving = true

	if err := devInstall(ctx, d.base, sb, svc); err != nil {
		return nil, fmt.Errorf("install the app into the sandbox: %w", err)
	}
	// The bot runs as in serve, with the sandbox as Slack: each workspace
	// is answered with the token of its installation, and the main
	// workspace's token identifies the bot.
	ins, err := d.st.Installations.TeamInstallations(ctx, demo.TeamMain)
	if err != nil || len(ins) == 0 {
		return nil, fmt.Errorf("bot token of %s: no installation (%v)", demo.TeamMain, err)
	}
	rt, workflow, err := newBot(ctx, d.st, botSetup{BotToken: ins[0].BotToken, SigningSecret: secret, APIURL: sb.APIURL(), Slack: svc,
		Sources: d.sources, Demo: true, CommandsFile: d.cfg.Commands, RolesFile: d.cfg.Roles, Logger: d.log,
		// A short grant's reminder and end show within seconds.
		AccessSweepEvery: devAccessSweepEvery})
	if err != nil {
		return nil, err
	}
	d.votes.set(console.WorkflowVotes{Workflow: workflow})
	late.set(rt.Handler())
	d.life.start("slack bot", runBot(rt), nil)

	env := &DevEnv{URL: d.base + "/", APIKey: apiKey, Engine: d.st.Engine, Sandbox: sb, Slack: svc, Names: d.st.Names}
	try := "help, whoami, approvals"
	if d.examples {
		try = "help, whoami, show account acme, disable user ann@acme.test"
	}
	sandboxNote := "new"
	if kept {
		sandboxNote = "as you left it"
	}
	fmt.Fprintf(d.out, "Bastion is running. Open %s (Mia, a member, in #backoffice)\n\n", env.URL)
	fmt.Fprintf(d.out, "  Slack sandbox:      %s?team=%s&as=%s&channel=%s (%s; pick who you are at the top)\n", env.URL, tourStart.Team, tourStart.As, tourStart.Channel, sandboxNote)
	fmt.Fprintf(d.out, "  second workspace:   %s?team=%s&as=USUPPORT&channel=%s (Acme Support: its own bot token, approvals by button)\n", env.URL, demo.TeamOther, demo.ChannelSupport)
	fmt.Fprintf(d.out, "  admin console:      %sconsole/\n", env.URL)
	fmt.Fprintf(d.out, "  permission service: %s (gRPC, gRPC-Web, Connect; API key %s)\n", d.base, apiKey)
	fmt.Fprintf(d.out, "  database:           %s\n\nTry, in #backoffice: %s. Ctrl-C stops; a restart carries on from here.\n", d.databaseNote(), try)
	return env, nil
}

// devTeams names the demo workspaces in the sandbox.
var devTeams = []sandbox.Team{
	{ID: demo.TeamMain, Name: "Acme", Domain: "acme", EnterpriseID: demo.Enterprise, EnterpriseName: "Acme Corp"},
	{ID: demo.TeamOther, Name: "Acme Support", Domain: "acme-support", EnterpriseID: demo.Enterprise, EnterpriseName: "Acme Corp"},
}

// populateSandbox gives the sandbox the demo organisation's workspaces,
// channels and people, so what a person sees in the sandbox is what the
// permission service knows.
func populateSandbox(sb *sandbox.Server) error {
	for _, t := range devTeams {
		if err := sb.AddTeam(t); err != nil {
			return fmt.Errorf("sandbox team %s: %w", t.ID, err)
		}
	}
	for _, c := range demo.Channels() {
		typ := sandbox.PublicChannel
		if c.Private {
			typ = sandbox.PrivateChannel
		}
		if err := sb.AddChannel(c.Team, sandbox.Channel{ID: c.ID, Name: c.Name, Type: typ, Creator: c.Creator}); err != nil {
			return fmt.Errorf("sandbox channel %s: %w", c.ID, err)
		}
	}
	for _, u := range demo.Users() {
		if err := sb.AddUser(u.Team, sandboxUser(u)); err != nil {
			return fmt.Errorf("sandbox user %s: %w", u.ID, err)
		}
	}
	return nil
}

// sandboxUser turns a demo user into a Slack user with the account type
// flags Slack sets for it.
func sandboxUser(u demo.User) sandbox.User {
	su := sandbox.User{ID: u.ID, Name: u.Name, RealName: realName(u.Name)}
	switch u.Account {
	case authz.AccountUltraRestricted:
		su.IsRestricted, su.IsUltraRestricted = true, true
	case authz.AccountRestricted:
		su.IsRestricted = true
	case authz.AccountAdmin:
		su.IsAdmin = true
	case authz.AccountOwner:
		su.IsAdmin, su.IsOwner = true, true
	case authz.AccountPrimaryOwner:
		su.IsAdmin, su.IsOwner, su.IsPrimaryOwner = true, true, true
	}
	return su
}

// realName turns "mia-member" into "Mia (member)".
func realName(handle string) string {
	first, rest, _ := strings.Cut(handle, "-")
	if first == "" {
		return handle
	}
	name := strings.ToUpper(first[:1]) + first[1:]
	if rest == "" {
		return name
	}
	return name + " (" + strings.ReplaceAll(rest, "-", " ") + ")"
}
