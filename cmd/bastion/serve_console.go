package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Environment variables that configure the admin console in `bastion serve`.
const (
	envConsoleURL  = "BASTION_CONSOLE_URL"
	envSessionKey  = "BASTION_SESSION_KEY"
	envSlackTeamID = "SLACK_TEAM_ID"
)

// consoleConfig says how `bastion serve` serves the admin console.
type consoleConfig struct {
	// URL is the console's public address, e.g.
	// https://bastion.example.com/console; it enables the console, signed
	// in with Slack (OpenID Connect) as the app's client.
	URL          string
	ClientID     string
	ClientSecret string
	// APIURL is Slack's Web API base (default https://slack.com/api/).
	APIURL string
	// TeamID asks Slack to sign people in to that workspace.
	TeamID string
	// SessionKey (hex, at least 16 bytes) signs session cookies so they
	// survive restarts and work across replicas.
	SessionKey string
	// EncryptionKey opens the installation store for the installations page.
	EncryptionKey string
}

// consoleConfigFromEnv reads the console's configuration from getenv.
func consoleConfigFromEnv(getenv func(string) string) consoleConfig {
	return consoleConfig{URL: strings.TrimSuffix(getenv(envConsoleURL), "/"), ClientID: getenv(envSlackClientID),
		ClientSecret: getenv(envSlackClientSecret), APIURL: getenv(envSlackAPIURL), TeamID: getenv(envSlackTeamID),
		SessionKey: getenv(envSessionKey), EncryptionKey: getenv(slackapp.EncryptionKeyEnv)}
}

func (c consoleConfig) enabled() bool { return c.URL != "" }

func (c consoleConfig) validate() error {
	if !c.enabled() {
		return nil
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return fmt.Errorf("%s is set, but signing in with Slack needs %s and %s", envConsoleURL, envSlackClientID, envSlackClientSecret)
	}
	if !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") {
		return fmt.Errorf("%s %q is not an http(s) address", envConsoleURL, c.URL)
	}
	if c.SessionKey != "" {
		if k, err := hex.DecodeString(c.SessionKey); err != nil || len(k) < 16 {
			return fmt.Errorf("%s must be at least 32 hex digits", envSessionKey)
		}
	}
	return nil
}

// consoleHandler builds the admin console on db and engine, served under
// the path of cfg.URL.
func consoleHandler(ctx context.Context, db *sqldb.DB, engine *authz.Engine, cfg consoleConfig, log *slog.Logger) (http.Handler, string, error) {
	prefix := "/console"
	if i := strings.Index(strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "https://"), "http://"), "/"); i >= 0 {
		prefix = strings.TrimSuffix(cfg.URL[strings.Index(cfg.URL, "//")+2+i:], "/")
	}
	opts := console.Options{Engine: engine, Prefix: prefix, SecureCookies: strings.HasPrefix(cfg.URL, "https://"), Logger: log,
		Slack: &console.SlackSignIn{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: cfg.URL + "/signin/slack/callback", APIURL: cfg.APIURL, TeamID: cfg.TeamID}}
	if cfg.SessionKey != "" {
		opts.SessionKey, _ = hex.DecodeString(cfg.SessionKey)
	}
	approvals, err := botsql.Open(ctx, db)
	if err != nil {
		return nil, "", fmt.Errorf("console: %w", err)
	}
	opts.Approvals = console.BotApprovals{Store: approvals}
	if cfg.EncryptionKey != "" {
		key, err := slackapp.ParseEncryptionKey(cfg.EncryptionKey)
		if err != nil {
			return nil, "", fmt.Errorf("console: %w", err)
		}
		sealer, err := slackapp.NewTokenSealer(key)
		if err != nil {
			return nil, "", fmt.Errorf("console: %w", err)
		}
		store, err := installsql.Open(ctx, db, sealer)
		if err != nil {
			return nil, "", fmt.Errorf("console: %w", err)
		}
		opts.Installations = store
	}
	c, err := console.New(opts)
	if err != nil {
		return nil, "", fmt.Errorf("console: %w", err)
	}
	return c.Handler(), prefix + "/", nil
}
