package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/sandbox"
)

// ShellOptions say who the shell acts as, and where.
type ShellOptions struct {
	TeamID, UserID, ChannelID string
	// AllowAll grants every permission (local trials without roles).
	AllowAll bool
}

// shellScopes are what the shell's bot is granted in its sandbox: all a
// workspace can grant, so approvals go by reaction.
var shellScopes = []string{"app_mentions:read", "channels:history", "channels:read", "chat:write", "groups:history",
	"groups:read", "im:history", "im:write", "reactions:read", "reactions:write", "team:read", "users:read", "channels:manage", "groups:write"}

// Shell runs `bastion shell`: the same bot as `serve` and `dev` (the
// router, the built-in commands, the approval workflow and the binary's
// own commands, authorized by the permission engine on cfg's database),
// over a Slack sandbox inside the process. Lines read from io.Stdin are
// posted as o.UserID in o.ChannelID, mentioning the bot; what the bot
// posts is printed as plain text once it has finished with the line.
// Lines starting with / are the shell's own: /as @user switches who
// types, /in #channel where, /react ✅ adds a reaction to the bot's last
// post (an approval's), /unreact takes it back, /help lists them.
// Invocations and approvals go to the database as in Slack; the
// sandbox's messages are forgotten at exit.
func Shell(ctx context.Context, cfg config.Config, opts Options, io IO, o ShellOptions) error {
	if o.TeamID == "" || o.UserID == "" || o.ChannelID == "" {
		return ConfigError{errors.New("shell: --team, --user and --channel are required")}
	}
	sources, err := opts.sources(cfg)
	if err != nil {
		return ConfigError{err}
	}
	st, err := OpenStores(ctx, cfg, StoreOptions{Bot: true, Runs: cfg.Commands != ""})
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	secret := randomToken(16)
	sb := sandbox.New(sandbox.Options{SigningSecret: secret, Logger: log})
	sb.Start()
	defer sb.Close()
	if err := shellSandbox(ctx, sb, st.Engine, st.Names, o.TeamID); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	token, err := sb.InstallApp(o.TeamID, shellScopes...)
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}

	var auth bot.Authorizer = botauthz.New(st.Engine)
	if o.AllowAll {
		auth = bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
			return bot.Decision{Allowed: true, Reason: "bastion shell --allow-all"}, nil
		})
	}
	rtr := router.New(router.Options{Authorizer: auth})
	if err := rtr.Register(builtin.CommandsNamed(st.Engine, rtr.Commands, st.Names)...); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	setup := botSetup{BotToken: token, APIURL: sb.APIURL(), Logger: log}
	chats, err := teamChats(nil, setup)
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	approvals, err := newApprovals(st, rtr, nil, chats, sb.BotUserID(), setup)
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	cmds, err := commands(ctx, sources, Deps{Authorizer: auth, Slack: chats, DB: st.DB, Logger: log})
	if err != nil {
		return fmt.Errorf("shell: commands: %w", err)
	}
	own, err := fileCommands(cfg.Commands, cfg.Roles, st, append(rtr.Commands(), cmds...), log)
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	q := newShellQueue()
	rt, err := runner.New(ctx, runner.Options{
		DB: st.DB, Queue: q, Claims: st.Bot, Audit: st.Bot,
		BotToken: token, APIURL: sb.APIURL(), BotUserID: sb.BotUserID(), BotUsers: chats, Chats: chats,
		SigningSecret: secret, Router: rtr, Commands: append(cmds, own...),
		Reactions: approvals, Actions: approvals, Workers: 1, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	defer rt.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("shell: listen: %w", err)
	}
	srv := &http.Server{Handler: rt.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	sb.SetEventsURL("http://" + ln.Addr().String() + "/slack/events")
	sb.SetInteractionsURL("http://" + ln.Addr().String() + "/slack/interactions")
	ran := make(chan error, 1)
	go func() { ran <- rt.Run(ctx) }()
	defer func() {
		cancel()
		<-ran
	}()

	s := &shellSession{sb: sb, q: q, dir: st.Names, team: o.TeamID, user: o.UserID, channel: o.ChannelID,
		in: io.Stdin, out: io.Stdout, printed: map[string]string{}}
	if f, ok := io.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		s.interactive = true
	}
	if err := s.join(ctx, o.UserID); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	if err := s.enter(ctx, o.ChannelID); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	return s.run(ctx)
}

// shellSandbox gives the sandbox the workspace teamID and its channels
// as the permission service knows them, named from dir.
func shellSandbox(ctx context.Context, sb *sandbox.Server, engine *authz.Engine, dir names.Directory, teamID string) error {
	book, err := names.Read(ctx, dir, []names.Key{{Kind: names.Team, ID: teamID}})
	if err != nil {
		return err
	}
	name := book.Name(names.Team, teamID)
	if name == "" {
		name = teamID
	}
	if err := sb.AddTeam(sandbox.Team{ID: teamID, Name: name, Domain: strings.ToLower(teamID)}); err != nil {
		return err
	}
	ents, err := engine.Entities(ctx)
	if err != nil {
		return fmt.Errorf("read entities: %w", err)
	}
	var keys []names.Key
	for _, e := range ents {
		if e.Type == authz.TypeChannel && e.ParentID == teamID {
			keys = append(keys, names.Key{Kind: names.Channel, ID: e.ID})
		}
	}
	if book, err = names.Read(ctx, dir, keys); err != nil {
		return err
	}
	for _, k := range keys {
		c := sandbox.Channel{ID: k.ID, Name: strings.TrimPrefix(book.Name(names.Channel, k.ID), "#")}
		if c.Name == "" {
			c.Name = k.ID
		}
		if strings.HasPrefix(k.ID, "G") {
			c.Type = sandbox.PrivateChannel
		}
		if err := sb.AddChannel(teamID, c); err != nil {
			return err
		}
	}
	return nil
}
