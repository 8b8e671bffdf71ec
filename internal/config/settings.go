package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Scope says which commands take a setting.
type Scope uint

// Scopes; a setting may belong to several.
const (
	// Global settings are flags of every command (--db, --roles).
	Global Scope = 1 << iota
	// Serve settings configure `bastion serve`.
	Serve
	// Dev settings configure `bastion dev`.
	Dev
	// Shell settings configure `bastion shell`.
	Shell
	// SlackCLI settings configure the `bastion slack …` commands.
	SlackCLI
)

// Setting describes one setting: its flag, its environment variable,
// the default help shows, and the field of a Config it sets.
type Setting struct {
	// Flag is the flag's name without dashes ("db").
	Flag string
	// Env is the environment variable ("BASTION_DB").
	Env string
	// Usage says what the setting does, for help and the README.
	Usage string
	// Secret settings are never shown: not in help, not in logs.
	Secret bool
	// List settings take the flag several times, and a comma-separated
	// list in the environment, which adds to the flags.
	List bool
	// Scope says which commands take it.
	Scope Scope
	// HelpDefault, when set, is what help gives as the default instead
	// of the value of a Default configuration, for a default that
	// depends on where the command runs.
	HelpDefault string

	value any // *string, *int, *bool, *time.Duration or *[]string in a Config
}

// Settings returns the settings of c, bound to its fields: registering
// them as flags (Register) and reading the environment (ApplyEnv) set c.
func (c *Config) Settings() []Setting {
	return []Setting{
		{Flag: "db", Env: "BASTION_DB", Scope: Global, value: &c.DB, Secret: true,
			HelpDefault: ".bastion/bastion.db (the database of bastion dev) when it exists in the working directory, else bastion.db",
			Usage:       "database: a SQLite file path, sqlite://PATH or mysql://user:pass@host:port/db (MySQL, MariaDB, Vitess)"},
		{Flag: "roles", Env: "BASTION_ROLES", Scope: Global, value: &c.Roles,
			Usage: "roles file declaring permissions, roles and policies (default: the built-in one)"},
		{Flag: "users-in-memory", Env: "BASTION_USERS_IN_MEMORY", Scope: Global, value: &c.UsersInMemory,
			Usage: "user records the permission engine keeps in memory; a check of one reads only its version (negative: none)"},

		{Flag: "addr", Env: "BASTION_ADDR", Scope: Serve | Dev, value: &c.Addr,
			Usage: "address to listen on (permission service, bot, console; with dev also the sandbox)"},
		{Flag: "api-key", Env: "BASTION_API_KEYS", Scope: Serve, value: &c.APIKeys, Secret: true, List: true,
			Usage: "accepted bearer API key (repeatable; the environment variable is comma-separated and adds to the flags)"},
		{Flag: "insecure-no-auth", Env: "BASTION_INSECURE_NO_AUTH", Scope: Serve, value: &c.InsecureNoAuth,
			Usage: "serve without API keys: anyone who reaches the port may check and administer (development only)"},
		{Flag: "follow-interval", Env: "BASTION_FOLLOW_INTERVAL", Scope: Serve, value: &c.FollowInterval,
			Usage: "how often to read the change log for writes made by other replicas"},
		{Flag: "nats-url", Env: "BASTION_NATS_URL", Scope: Serve, value: &c.NATSURL,
			Usage: "the bot's queue on NATS JetStream (nats://host:4222); default a table in the database"},
		{Flag: "bot-workers", Env: "BASTION_BOT_WORKERS", Scope: Serve, value: &c.BotWorkers,
			Usage: "workers handling Slack messages when the bot runs"},
		{Flag: "encryption-key", Env: "BASTION_ENCRYPTION_KEY", Scope: Serve | SlackCLI, value: &c.EncryptionKey, Secret: true,
			Usage: "32-byte key (64 hex digits or base64) sealing Slack bot tokens at rest; opens the installation store"},

		{Flag: "slack-bot-token", Env: "SLACK_BOT_TOKEN", Scope: Serve | Dev, value: &c.SlackBotToken, Secret: true,
			Usage: "the bot's token (xoxb-…): runs the Slack bot, with --slack-signing-secret or --slack-app-token (dev --slack: with --slack-app-token)"},
		{Flag: "slack-signing-secret", Env: "SLACK_SIGNING_SECRET", Scope: Serve, value: &c.SlackSigningSecret, Secret: true,
			Usage: "the app's signing secret: receive events at POST /slack/events"},
		{Flag: "slack-app-token", Env: "SLACK_APP_TOKEN", Scope: Serve | Dev, value: &c.SlackAppToken, Secret: true,
			Usage: "an app-level token (xapp-…): receive events over Socket Mode instead of /slack/events"},
		{Flag: "slack-api-url", Env: "SLACK_API_URL", Scope: Serve | Dev | SlackCLI, value: &c.SlackAPIURL,
			Usage: "Slack's Web API base URL (the sandbox's in development)"},
		{Flag: "slack-client-id", Env: "SLACK_CLIENT_ID", Scope: Serve, value: &c.SlackClientID,
			Usage: "the app's client id: the install flow at /slack/install and, with --console-url, Sign in with Slack"},
		{Flag: "slack-client-secret", Env: "SLACK_CLIENT_SECRET", Scope: Serve, value: &c.SlackClientSecret, Secret: true,
			Usage: "the app's client secret, for the install flow and Sign in with Slack"},
		{Flag: "slack-redirect-url", Env: "SLACK_REDIRECT_URL", Scope: Serve, value: &c.SlackRedirectURL,
			Usage: "the install flow's OAuth callback, https://HOST/slack/oauth/callback"},
		{Flag: "slack-team-id", Env: "SLACK_TEAM_ID", Scope: Serve, value: &c.SlackTeamID,
			Usage: "the workspace the console signs people in to"},
		{Flag: "install-cache-ttl", Env: "BASTION_INSTALL_CACHE_TTL", Scope: Serve, value: &c.InstallCacheTTL,
			Usage: "how long the bot keeps each workspace's installation in memory (0: read the store for every event)"},
		{Flag: "approval-run-timeout", Env: "BASTION_APPROVAL_RUN_TIMEOUT", Scope: Serve, value: &c.ApprovalRunTimeout,
			Usage: "how long an approved command may run without a heartbeat before its run is reported interrupted"},

		{Flag: "console-url", Env: "BASTION_CONSOLE_URL", Scope: Serve, value: &c.ConsoleURL,
			Usage: "serve the admin console at this address's path (e.g. https://bastion.example.com/console), signed in with Slack"},
		{Flag: "session-key", Env: "BASTION_SESSION_KEY", Scope: Serve, value: &c.SessionKey, Secret: true,
			Usage: "hex key (at least 32 digits) signing console sessions so they survive restarts and work across replicas"},

		{Flag: "log-level", Env: "BASTION_LOG_LEVEL", Scope: Serve | Dev, value: &c.LogLevel,
			Usage: "the lowest level logged: debug, info, warn or error (default: info for serve, warn for dev)"},

		{Flag: "dir", Env: "BASTION_DEV_DIR", Scope: Dev, value: &c.DevDir,
			Usage: "directory for the development database, keys and the sandbox's state"},
		{Flag: "commands", Env: "BASTION_COMMANDS", Scope: Serve | Dev | Shell, value: &c.Commands,
			Usage: "file declaring commands served by your own HTTP service"},
	}
}

// Lookup returns the setting named by flag.
func (c *Config) Lookup(flag string) (Setting, bool) {
	for _, s := range c.Settings() {
		if s.Flag == flag {
			return s, true
		}
	}
	return Setting{}, false
}

// Kind names the setting's type as help and the README describe values:
// "string", "int", "bool", "duration" or "list".
func (s Setting) Kind() string {
	switch s.value.(type) {
	case *int:
		return "int"
	case *bool:
		return "bool"
	case *time.Duration:
		return "duration"
	case *[]string:
		return "list"
	}
	return "string"
}

// Value is the setting's field formatted as help shows it; "" for empty
// values, false and lists. Help and the README show the values of a
// Default configuration, which holds no secret.
func (s Setting) Value() string {
	switch v := s.value.(type) {
	case *string:
		return *v
	case *int:
		return strconv.Itoa(*v)
	case *bool:
		if *v {
			return "true"
		}
		return ""
	case *time.Duration:
		return v.String()
	case *[]string:
		return ""
	}
	return ""
}

// set parses text into the setting's field; a list setting adds each
// comma-separated item.
func (s Setting) set(text string) error {
	switch v := s.value.(type) {
	case *string:
		*v = text
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("want a whole number")
		}
		*v = n
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		*v = b
	case *time.Duration:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("want a duration such as 30s or 15m")
		}
		*v = d
	case *[]string:
		for _, item := range strings.Split(text, ",") {
			if item = strings.TrimSpace(item); item != "" {
				*v = append(*v, item)
			}
		}
	default:
		return fmt.Errorf("setting %s has no field", s.Flag)
	}
	return nil
}
