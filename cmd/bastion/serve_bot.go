package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/botauthz"
	"github.com/bastionhq/bastion/bot/builtin"
	"github.com/bastionhq/bastion/bot/runner"
	"github.com/bastionhq/bastion/bot/teamchat"
	"github.com/bastionhq/bastion/examples/backoffice/accounts"
	"github.com/bastionhq/bastion/examples/backoffice/channels"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Environment variables that configure the bot in `bastion serve`.
const (
	envSlackBotToken     = "SLACK_BOT_TOKEN"
	envSlackSigningKey   = "SLACK_SIGNING_SECRET"
	envSlackAppToken     = "SLACK_APP_TOKEN"
	envSlackAPIURL       = "SLACK_API_URL"
	envSlackClientID     = "SLACK_CLIENT_ID"
	envSlackClientSecret = "SLACK_CLIENT_SECRET"
	envSlackRedirectURL  = "SLACK_REDIRECT_URL"
	envNATSURL           = "BASTION_NATS_URL"
	envInstallCacheTTL   = "BASTION_INSTALL_CACHE_TTL"
	envApprovalRunLimit  = "BASTION_APPROVAL_RUN_TIMEOUT"
)

// botConfig is what the bot runtime needs beyond the database and the
// engine. Env fields come from the environment (botConfigFromEnv); the
// others are for callers such as `bastion dev` that build more parts.
type botConfig struct {
	BotToken      string
	SigningSecret string
	// AppToken (xapp-…) selects Socket Mode instead of POST /slack/events.
	AppToken string
	// APIURL is the Web API base (default https://slack.com/api/); the
	// OAuth authorize page is derived from it.
	APIURL string
	// ClientID, ClientSecret, RedirectURL and EncryptionKey enable the
	// install flow (GET /slack/install, /slack/oauth/callback) and the
	// installation gate.
	ClientID      string
	ClientSecret  string
	RedirectURL   string
	EncryptionKey string
	// NATSURL puts the queue on NATS JetStream instead of the database.
	NATSURL string
	// Workers is how many workers handle messages (default runner's).
	Workers int
	// InstallCacheTTL is how long each workspace's installation is kept
	// in memory (teamchat.Cache); zero or negative, as `bastion dev`
	// leaves it, reads the store for every event.
	InstallCacheTTL time.Duration
	// ApprovalRunTimeout is how long an approved command may stay running
	// before it is reported interrupted (bot.ApprovalsOptions.RunTimeout;
	// zero: the default).
	ApprovalRunTimeout time.Duration
	// envErr is an environment value that did not parse.
	envErr error

	// Handlers are more handlers served next to /slack/events.
	Handlers map[string]http.Handler
	// Slack is a caller's own installation service (one that runs its own
	// install flow, as `bastion dev` does against the sandbox); it gates
	// events by installation and tells approvals which workspaces granted
	// the reaction scopes. The install flow configured above sets it up
	// otherwise.
	Slack  *slackapp.Service
	Logger *slog.Logger
}

// botConfigFromEnv reads the bot's configuration from getenv (os.Getenv).
func botConfigFromEnv(getenv func(string) string) botConfig {
	cfg := botConfig{
		BotToken:      getenv(envSlackBotToken),
		SigningSecret: getenv(envSlackSigningKey),
		AppToken:      getenv(envSlackAppToken),
		APIURL:        getenv(envSlackAPIURL),
		ClientID:      getenv(envSlackClientID),
		ClientSecret:  getenv(envSlackClientSecret),
		RedirectURL:   getenv(envSlackRedirectURL),
		EncryptionKey: getenv(slackapp.EncryptionKeyEnv),
		NATSURL:       getenv(envNATSURL),
	}
	cfg.InstallCacheTTL = teamchat.DefaultCacheTTL
	cfg.envErr = errors.Join(
		envDuration(getenv, envInstallCacheTTL, &cfg.InstallCacheTTL),
		envDuration(getenv, envApprovalRunLimit, &cfg.ApprovalRunTimeout))
	return cfg
}

// envDuration sets *d from the environment variable key when it is set,
// and says what is wrong with a value that is not a duration.
func envDuration(getenv func(string) string, key string, d *time.Duration) error {
	v := getenv(key)
	if v == "" {
		return nil
	}
	parsed, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%s=%q: want a duration such as 30s or 15m: %w", key, v, err)
	}
	*d = parsed
	return nil
}

// enabled reports whether the bot should run: a bot token and a way to
// receive events.
func (c botConfig) enabled() bool {
	return c.BotToken != "" && (c.SigningSecret != "" || c.AppToken != "")
}

// oauthEnabled reports whether the install flow is configured.
func (c botConfig) oauthEnabled() bool {
	return c.ClientID != "" || c.ClientSecret != "" || c.RedirectURL != ""
}

// validate explains a half-configured bot instead of silently not
// running it.
func (c botConfig) validate() error {
	if c.envErr != nil {
		return c.envErr
	}
	if c.BotToken == "" && (c.SigningSecret != "" || c.AppToken != "") {
		return fmt.Errorf("%s is not set: the bot needs its token (xoxb-…) along with %s or %s", envSlackBotToken, envSlackSigningKey, envSlackAppToken)
	}
	if c.BotToken != "" && !c.enabled() {
		return fmt.Errorf("%s is set but neither %s (Events API) nor %s (Socket Mode) is", envSlackBotToken, envSlackSigningKey, envSlackAppToken)
	}
	if !c.oauthEnabled() {
		return nil
	}
	var missing []string
	for name, v := range map[string]string{envSlackClientID: c.ClientID, envSlackClientSecret: c.ClientSecret,
		envSlackRedirectURL: c.RedirectURL, slackapp.EncryptionKeyEnv: c.EncryptionKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the Slack install flow needs %s too", strings.Join(missing, ", "))
	}
	if !c.enabled() {
		return fmt.Errorf("the Slack install flow is configured but the bot is not: set %s and %s", envSlackBotToken, envSlackSigningKey)
	}
	return nil
}

// botRuntime assembles the bot on db: the built-in permission commands,
// the example back-office commands (accounts and channels) and the approval flow, authorized by
// engine, with the install flow when configured. Replies, approval posts
// and Slack calls of commands use the bot token of the workspace the
// event came from (its installation), cfg.BotToken where there is none.
// The caller serves its
// Handler under /slack/, runs it and closes it; `bastion dev` calls it with
// the sandbox's APIURL and its own Slack service.
func (a *app) botRuntime(ctx context.Context, db *sqldb.DB, engine *authz.Engine, cfg botConfig) (*runner.Runner, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	if cfg.APIURL == "" {
		cfg.APIURL = slackapp.DefaultAPIURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(a.stderr, nil))
	}
	accts, err := accounts.Open(ctx, db, nil)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	if err := accts.Seed(ctx); err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	auth := botauthz.New(engine)
	router := bot.NewRouter(bot.RouterOptions{Authorizer: auth})
	if err := router.Register(builtin.Commands(engine, router.Commands)...); err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	handlers := map[string]http.Handler{}
	for pattern, h := range cfg.Handlers {
		handlers[pattern] = h
	}
	svc := cfg.Slack
	if cfg.oauthEnabled() {
		var oauth *slackapp.OAuthHandler
		if svc, oauth, err = slackInstallFlow(ctx, db, cfg); err != nil {
			return nil, fmt.Errorf("bot: %w", err)
		}
		handlers["GET /slack/install"] = oauth
		handlers["GET /slack/oauth/callback"] = oauth
	}
	var gate bot.InstallationGate
	var installs teamchat.Installations
	if svc != nil {
		gate, installs = svc, svc.Store()
		if cfg.InstallCacheTTL > 0 {
			// Uninstalls reaching this process's ingress drop the team
			// through the gate; an install here drops every team, as the
			// callback does not say which one it was.
			cache := teamchat.NewCache(svc.Store(), teamchat.CacheOptions{TTL: cfg.InstallCacheTTL})
			gate, installs = cache.Gate(svc), cache
			if cb := handlers["GET /slack/oauth/callback"]; cb != nil {
				handlers["GET /slack/oauth/callback"] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer cache.Clear()
					cb.ServeHTTP(w, r)
				})
			}
		}
	}
	chats, err := teamChats(installs, engine, cfg)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	parts, err := approvalFlow(ctx, db, router, svc, chats, cfg)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	archivers := channels.ArchiverSourceFunc(func(ctx context.Context, team string) (channels.Archiver, error) {
		return chats.ClientFor(ctx, team)
	})
	return runner.New(ctx, runner.Options{
		DB: db, NATSURL: cfg.NATSURL, Claims: parts.store, Audit: parts.store,
		BotToken: cfg.BotToken, APIURL: cfg.APIURL, BotUserID: parts.botUserID, BotUsers: chats, Chats: chats,
		SigningSecret: cfg.SigningSecret, AppToken: cfg.AppToken,
		Router: router, Commands: append(accounts.Commands(accts), channels.CommandsFor(archivers, auth)...),
		Reactions: parts.approvals, Actions: parts.approvals, Background: []func(context.Context) error{parts.approvals.Run},
		Handlers: handlers, Installations: gate,
		Workers: cfg.Workers, Logger: cfg.Logger,
	})
}

// approvalParts is the approval flow and what it shares with the workers.
type approvalParts struct {
	store     *botsql.Store
	botUserID string
	approvals *bot.Approvals
}

// teamChats picks the Slack client of each workspace: the bot token of its
// installation when installs is set (the install flow, or `bastion dev`),
// else of its enterprise's org-wide install (the enterprise being the
// workspace's parent entity in engine), and cfg.BotToken for workspaces
// without either and when there is no install flow.
func teamChats(installs teamchat.Installations, engine *authz.Engine, cfg botConfig) (*teamchat.Source, error) {
	opts := teamchat.Options{FallbackToken: cfg.BotToken, Chat: bot.SlackChatOptions{APIURL: cfg.APIURL}}
	if installs != nil {
		opts.Installations = installs
		opts.EnterpriseOf = func(ctx context.Context, teamID string) (string, error) {
			return enterpriseOf(ctx, engine, teamID)
		}
	}
	chats, err := teamchat.New(opts)
	if err != nil {
		return nil, fmt.Errorf("slack clients: %w", err)
	}
	return chats, nil
}

// enterpriseOf is the enterprise a workspace belongs to in the entity
// tree, "" when the workspace is unknown or has no enterprise above it.
func enterpriseOf(ctx context.Context, engine *authz.Engine, teamID string) (string, error) {
	ws, err := engine.Entity(ctx, teamID)
	if errors.Is(err, authz.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("workspace %s: %w", teamID, err)
	}
	if ws.Type != authz.TypeWorkspace || ws.ParentID == "" {
		return "", nil
	}
	parent, err := engine.Entity(ctx, ws.ParentID)
	if errors.Is(err, authz.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("parent of workspace %s: %w", teamID, err)
	}
	if parent.Type != authz.TypeEnterprise {
		return "", nil
	}
	return parent.ID, nil
}

// approvalFlow wires bot.Approvals as docs/approvals.md describes: it
// becomes router's gate, gets the `approvals` command, posts through the
// client, and leaves out the bot user, of each request's workspace
// (chats), and counts votes by
// reaction where the workspace granted the reaction scopes (svc, when the
// install flow runs; assumed otherwise) and by button elsewhere.
func approvalFlow(ctx context.Context, db *sqldb.DB, router *bot.Router, svc *slackapp.Service, chats *teamchat.Source, cfg botConfig) (approvalParts, error) {
	store, err := botsql.Open(ctx, db)
	if err != nil {
		return approvalParts{}, err
	}
	botUserID, err := runner.BotUser(ctx, cfg.BotToken, cfg.APIURL, nil)
	if err != nil {
		return approvalParts{}, err
	}
	opts := bot.ApprovalsOptions{Store: store, Router: router, Chats: chats, BotUsers: chats, Audit: store, BotUserID: botUserID,
		RunTimeout: cfg.ApprovalRunTimeout, Logger: cfg.Logger}
	if svc != nil {
		opts.Scopes = bot.ReactionScopesFunc(func(ctx context.Context, team string) ([]string, error) {
			return svc.MissingScopes(ctx, team, slackapp.FeatureApprovalsByReaction)
		})
	}
	approvals, err := bot.NewApprovals(opts)
	if err != nil {
		return approvalParts{}, err
	}
	if err := router.Register(approvals.Commands()...); err != nil {
		return approvalParts{}, err
	}
	return approvalParts{store: store, botUserID: botUserID, approvals: approvals}, nil
}

// slackInstallFlow opens the installation store and the OAuth handler.
// The OAuth state is signed with a key derived from the token key, so no
// other secret has to be configured.
func slackInstallFlow(ctx context.Context, db *sqldb.DB, cfg botConfig) (*slackapp.Service, *slackapp.OAuthHandler, error) {
	key, err := slackapp.ParseEncryptionKey(cfg.EncryptionKey)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := slackapp.NewTokenSealer(key)
	if err != nil {
		return nil, nil, err
	}
	store, err := installsql.Open(ctx, db, sealer)
	if err != nil {
		return nil, nil, err
	}
	svc := slackapp.NewService(store, slackapp.ServiceOptions{APIURL: cfg.APIURL, Logger: cfg.Logger})
	state := sha256.Sum256(append([]byte("bastion slack oauth state\x00"), key...))
	oauth, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: cfg.RedirectURL, AuthorizeURL: authorizeURL(cfg.APIURL), StateSecret: state[:]}, svc)
	if err != nil {
		return nil, nil, err
	}
	return svc, oauth, nil
}

// authorizeURL is the OAuth authorize page next to a Web API base:
// https://slack.com/api/ gives https://slack.com/oauth/v2/authorize, and a
// sandbox's …/api/ its own page.
func authorizeURL(apiURL string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(apiURL, "/"), "/api")
	return base + "/oauth/v2/authorize"
}
