package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"github.com/bastionhq/bastion/internal/access"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
	"github.com/bastionhq/bastion/slackapp"
)

// botSetup is what assembling the bot needs beyond the stores.
type botSetup struct {
	BotToken      string
	SigningSecret string
	// AppToken (xapp-…) selects Socket Mode instead of POST /slack/events.
	AppToken string
	// APIURL is the Web API base; the OAuth authorize page is derived
	// from it.
	APIURL  string
	NATSURL string
	Workers int
	// InstallCacheTTL keeps each workspace's installation in memory that
	// long; zero reads the store for every event.
	InstallCacheTTL    time.Duration
	ApprovalRunTimeout time.Duration
	// AccessSweepEvery is how often reminders and ends of temporary
	// grants are looked for (access.DefaultSweepEvery when zero).
	AccessSweepEvery time.Duration
	// Slack is the installation service: it gates events by installation,
	// holds each workspace's bot token and tells approvals which
	// workspaces granted the reaction scopes. Nil: one token for all.
	Slack *slackapp.Service
	// Handlers are more handlers served next to /slack/events (the
	// install flow); "GET /slack/oauth/callback" empties the installation
	// cache as it installs.
	Handlers map[string]http.Handler
	// Sources build the commands besides the built-in ones; Demo is
	// passed to them.
	Sources []CommandSource
	Demo    bool
	// CommandsFile is the commands file (--commands), "" for none; its
	// permissions are those of RolesFile ("" for the built-in one).
	CommandsFile string
	RolesFile    string
	Logger       *slog.Logger
}

// newBot assembles the bot on the stores: the built-in permission
// commands, the approval flow and the commands of setup's sources,
// authorized by the engine. Replies, approval posts and Slack calls of
// commands use the bot token of the workspace the event came from (its
// installation), BotToken where there is none. The caller serves its
// Handler under /slack/, runs it and closes it. The approval workflow is
// returned too, for the console's votes. The bot keeps the name
// directory current: renames it hears of are learned at once, and a
// background sweep reads the names the directory lacks (NameSweepInterval).
func newBot(ctx context.Context, st *Stores, setup botSetup) (*runner.Runner, *approval.Workflow, error) {
	auth := botauthz.New(st.Engine)
	router := router.New(router.Options{Authorizer: auth})
	if err := router.Register(builtin.CommandsNamed(st.Engine, router.Commands, st.Names)...); err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	handlers := map[string]http.Handler{}
	for pattern, h := range setup.Handlers {
		handlers[pattern] = h
	}
	var gate slackbot.InstallationGate
	var installs teamchat.Installations
	if setup.Slack != nil {
		gate, installs = setup.Slack, setup.Slack.Store()
		if setup.InstallCacheTTL > 0 {
			// Uninstalls reaching this process's ingress drop the team
			// through the gate; an install here drops every team, as the
			// callback does not say which one it was.
			cache := teamchat.NewCache(setup.Slack.Store(), teamchat.CacheOptions{TTL: setup.InstallCacheTTL})
			gate, installs = cache.Gate(setup.Slack), cache
			if cb := handlers["GET /slack/oauth/callback"]; cb != nil {
				handlers["GET /slack/oauth/callback"] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer cache.Clear()
					cb.ServeHTTP(w, r)
				})
			}
		}
	}
	chats, err := teamChats(installs, setup)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	botUserID, err := runner.BotUser(ctx, setup.BotToken, setup.APIURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	approvals, err := newApprovals(st, router, setup.Slack, chats, botUserID, setup)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	jit, err := newAccess(st, router, approvals, chats, setup)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	cmds, err := commands(ctx, setup.Sources, Deps{Authorizer: auth, Slack: chats, DB: st.DB, Demo: setup.Demo, Logger: setup.Logger})
	if err != nil {
		return nil, nil, fmt.Errorf("bot: commands: %w", err)
	}
	own, err := fileCommands(setup.CommandsFile, setup.RolesFile, st, append(router.Commands(), cmds...), setup.Logger)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	cmds = append(cmds, own...)
	filler, err := newFiller(st, setup)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: %w", err)
	}
	background := []func(context.Context) error{approvals.Run, jit.Run, sweepNames(filler, st.Engine)}
	if st.Runs != nil {
		background = append(background, pruneRuns(st.Runs, setup.Logger))
	}
	rt, err := runner.New(ctx, runner.Options{
		DB: st.DB, NATSURL: setup.NATSURL, Claims: st.Bot, Audit: st.Bot,
		BotToken: setup.BotToken, APIURL: setup.APIURL, BotUserID: botUserID, BotUsers: chats, Chats: chats,
		SigningSecret: setup.SigningSecret, AppToken: setup.AppToken,
		Router: router, Commands: cmds,
		Reactions: approvals, Actions: access.ChainActions(approvals, jit), Renames: renameHook{filler}, Background: background,
		Handlers: handlers, Installations: gate,
		Workers: setup.Workers, Logger: setup.Logger,
	})
	if err != nil {
		return nil, nil, err
	}
	return rt, approvals, nil
}

// teamChats picks the Slack client of each workspace: the bot token of its
// installation when installs is set (the install flow, or `bastion dev`),
// else of the org-wide install of the organisation its events name, and
// setup.BotToken for workspaces without either. With the install flow the
// installation gate drops the events of such workspaces, setup.BotToken's
// own included, so they reach no worker: setup.BotToken answers
// workspaces only when there is no install flow.
func teamChats(installs teamchat.Installations, setup botSetup) (*teamchat.Source, error) {
	chats, err := teamchat.New(teamchat.Options{Installations: installs, FallbackToken: setup.BotToken,
		Chat: slackbot.SlackChatOptions{APIURL: setup.APIURL}})
	if err != nil {
		return nil, fmt.Errorf("slack clients: %w", err)
	}
	return chats, nil
}

// newApprovals wires approval.Workflow as docs/approvals.md describes: it
// becomes router's gate, gets the `approvals` command, posts through the
// client of each request's workspace (chats) leaving out its bot user,
// and counts votes by reaction where the workspace granted the reaction
// scopes (svc, when installations are known; assumed otherwise) and by
// button elsewhere.
func newApprovals(st *Stores, r *router.Router, svc *slackapp.Service, chats *teamchat.Source, botUserID string, setup botSetup) (*approval.Workflow, error) {
	slackChats := approval.ChatSourceFunc(func(ctx context.Context, team string) (approval.Chat, error) {
		return chats.SlackChatFor(ctx, slackbot.Workspace{TeamID: team})
	})
	opts := approval.Options{Store: st.Bot, Router: r, Chats: slackChats, BotUsers: chats, Audit: st.Bot, BotUserID: botUserID,
		RunTimeout: setup.ApprovalRunTimeout, Logger: setup.Logger}
	if svc != nil {
		opts.Scopes = approval.ReactionScopesFunc(func(ctx context.Context, team string) ([]string, error) {
			return svc.MissingScopes(ctx, team, slackapp.FeatureApprovalsByReaction)
		})
	}
	approvals, err := approval.New(opts)
	if err != nil {
		return nil, err
	}
	r.SetApprovalGate(approvals)
	if err := r.Register(approvals.Commands()...); err != nil {
		return nil, err
	}
	return approvals, nil
}

// newAccess wires just-in-time access (internal/access): its commands on
// router, requests opened through approvals, grants written as engine
// assignments with an end, reminders and ends told by its Run.
func newAccess(st *Stores, r *router.Router, approvals *approval.Workflow, chats *teamchat.Source, setup botSetup) (*access.Service, error) {
	svc, err := access.New(access.Options{Policies: st.Engine.Catalog(), Directory: st.Engine, Approvals: approvals,
		Chats: approval.ChatSourceFunc(func(ctx context.Context, team string) (approval.Chat, error) {
			return chats.SlackChatFor(ctx, slackbot.Workspace{TeamID: team})
		}),
		Store: st.Access, Granter: access.EngineGranter{Engine: st.Engine}, SweepEvery: setup.AccessSweepEvery, Logger: setup.Logger})
	if err != nil {
		return nil, err
	}
	if err := r.Register(svc.Commands()...); err != nil {
		return nil, err
	}
	return svc, nil
}

// installFlow builds the OAuth handler of the install flow on svc. The
// OAuth state is signed with a key derived from the token key, so no
// other secret has to be configured.
func installFlow(svc *slackapp.Service, key []byte, clientID, clientSecret, redirectURL, apiURL string) (*slackapp.OAuthHandler, error) {
	state := sha256.Sum256(append([]byte("bastion slack oauth state\x00"), key...))
	return slackapp.NewOAuthHandler(slackapp.OAuthConfig{ClientID: clientID, ClientSecret: clientSecret,
		RedirectURL: redirectURL, AuthorizeURL: authorizeURL(apiURL), StateSecret: state[:]}, svc)
}

// authorizeURL is the OAuth authorize page next to a Web API base:
// https://slack.com/api/ gives https://slack.com/oauth/v2/authorize, and a
// sandbox's …/api/ its own page.
func authorizeURL(apiURL string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(apiURL, "/"), "/api")
	return base + "/oauth/v2/authorize"
}
