package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// BotEnabled reports whether the Slack bot runs in serve: it has its token
// and a way to receive events (signing secret or app token).
func (c Config) BotEnabled() bool {
	return c.SlackBotToken != "" && (c.SlackSigningSecret != "" || c.SlackAppToken != "")
}

// InstallFlowEnabled reports whether the install flow is asked for: its
// callback, SLACK_REDIRECT_URL, is set (ValidateServe checks the rest).
// The client id and secret alone may be the console's, for Sign in with
// Slack.
func (c Config) InstallFlowEnabled() bool { return c.SlackRedirectURL != "" }

// ConsoleEnabled reports whether serve serves the admin console.
func (c Config) ConsoleEnabled() bool { return c.ConsoleURL != "" }

// InstallURL is the link that installs the app again (/slack/install next
// to the OAuth callback), "" without the install flow.
func (c Config) InstallURL() string {
	if !c.InstallFlowEnabled() {
		return ""
	}
	return strings.TrimSuffix(c.SlackRedirectURL, "/slack/oauth/callback") + "/slack/install"
}

// ValidateServe explains a configuration serve cannot run with: no API
// key, a half-configured bot, install flow or console, a queue that is
// not NATS. Each problem is one line naming the settings involved.
func (c Config) ValidateServe() error {
	var errs []error
	if _, err := c.Level(slog.LevelInfo); err != nil {
		errs = append(errs, err)
	}
	if len(c.APIKeys) == 0 && !c.InsecureNoAuth {
		errs = append(errs, errors.New("no API key: pass --api-key or set BASTION_API_KEYS (or --insecure-no-auth for local development)"))
	}
	if c.NATSURL != "" && !strings.HasPrefix(c.NATSURL, "nats://") {
		errs = append(errs, fmt.Errorf("--nats-url %q: want nats://host:port (the default queue is a table in the database)", c.NATSURL))
	}
	if err := c.validateBot(); err != nil {
		errs = append(errs, fmt.Errorf("slack bot: %w", err))
	}
	if c.Commands != "" && !c.BotEnabled() {
		errs = append(errs, errors.New("--commands (BASTION_COMMANDS) is set but the Slack bot that would serve its commands is not: "+
			"set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)"))
	}
	if err := c.validateConsole(); err != nil {
		errs = append(errs, fmt.Errorf("admin console: %w", err))
	}
	return errors.Join(errs...)
}

// validateBot explains a half-configured bot instead of silently not
// running it.
func (c Config) validateBot() error {
	if c.SlackBotToken == "" && (c.SlackSigningSecret != "" || c.SlackAppToken != "") {
		return errors.New("SLACK_BOT_TOKEN is not set: the bot needs its token (xoxb-…) along with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN")
	}
	if c.SlackBotToken != "" && !c.BotEnabled() {
		return errors.New("SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (Events API) nor SLACK_APP_TOKEN (Socket Mode) is")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		return errors.New("SLACK_APP_TOKEN must be an app-level token (xapp-…)")
	}
	if !c.InstallFlowEnabled() {
		if (c.SlackClientID != "" || c.SlackClientSecret != "") && !c.ConsoleEnabled() {
			return errors.New("SLACK_CLIENT_ID or SLACK_CLIENT_SECRET is set, but neither SLACK_REDIRECT_URL (the install flow) nor BASTION_CONSOLE_URL (Sign in with Slack) is")
		}
		return nil
	}
	var missing []string
	for name, v := range map[string]string{"SLACK_CLIENT_ID": c.SlackClientID, "SLACK_CLIENT_SECRET": c.SlackClientSecret,
		"SLACK_REDIRECT_URL": c.SlackRedirectURL, "BASTION_ENCRYPTION_KEY": c.EncryptionKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the Slack install flow needs %s too", strings.Join(missing, ", "))
	}
	if !c.BotEnabled() {
		return errors.New("the Slack install flow is configured but the bot is not: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
	}
	return nil
}

// validateConsole checks the console's settings when it is enabled.
func (c Config) validateConsole() error {
	if !c.ConsoleEnabled() {
		return nil
	}
	if c.SlackClientID == "" || c.SlackClientSecret == "" {
		return errors.New("BASTION_CONSOLE_URL is set, but signing in with Slack needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
	}
	u := strings.TrimSuffix(c.ConsoleURL, "/")
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return fmt.Errorf("BASTION_CONSOLE_URL %q is not an http(s) address", c.ConsoleURL)
	}
	if c.SessionKey != "" {
		if k, err := hex.DecodeString(c.SessionKey); err != nil || len(k) < 16 {
			return errors.New("BASTION_SESSION_KEY must be at least 32 hex digits")
		}
	}
	return nil
}

// Level is the lowest level to log, from LogLevel; fallback when it is
// empty. An unknown level is an error naming the setting.
func (c Config) Level(fallback slog.Level) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(c.LogLevel)) {
	case "":
		return fallback, nil
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
}

// ValidateDevSlack explains what `bastion dev --slack` lacks: an app
// token (xapp-…) for Socket Mode and the bot's token (xoxb-…).
func (c Config) ValidateDevSlack() error {
	var errs []error
	if c.SlackAppToken == "" {
		errs = append(errs, errors.New("SLACK_APP_TOKEN is not set: create an app-level token with connections:write under the app's Basic Information (xapp-…)"))
	} else if !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN must be an app-level token (xapp-…)"))
	}
	if c.SlackBotToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN is not set: install the app to your workspace and copy its Bot User OAuth Token (xoxb-…)"))
	} else if !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN must be a bot token (xoxb-…)"))
	}
	return errors.Join(errs...)
}

// RedactDB hides the password of a database URL, for logs:
// mysql://bastion:s3cret@db:3306/bastion becomes
// mysql://bastion:xxxxx@db:3306/bastion. SQLite paths are returned as
// they are.
func RedactDB(db string) string {
	scheme, rest, ok := strings.Cut(db, "://")
	if !ok {
		return db
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return db
	}
	userinfo, host := rest[:at], rest[at+1:]
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return db
}
