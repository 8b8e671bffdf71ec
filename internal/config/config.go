// Package config holds every setting of Bastion in one struct, read once
// at start-up from flags and the environment alike.
//
// Each setting has a flag and an environment variable, named the same way
// (--slack-bot-token and SLACK_BOT_TOKEN, --db and BASTION_DB); a flag
// given on the command line wins over the environment, which wins over
// the default. Help shows only the built-in defaults, never a value read
// from the environment, so `bastion --help` cannot print a secret.
package config

import (
	"github.com/bastionhq/bastion/internal/approval"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
)

// Config is every setting of the bastion command. Zero values are not
// defaults: start from Default.
type Config struct {
	// DB is the database: a SQLite file path, sqlite://PATH, or
	// mysql://user:pass@host:port/db.
	DB string
	// Roles is the roles file; empty means the built-in one.
	Roles string
	// UsersInMemory is authz.Options.UsersInMemory.
	UsersInMemory int

	// Addr is where serve and dev listen.
	Addr string
	// APIKeys are the bearer keys clients of the permission service send.
	APIKeys []string
	// InsecureNoAuth serves without API keys (development only).
	InsecureNoAuth bool
	// FollowInterval is how often a replica reads the change log.
	FollowInterval time.Duration
	// NATSURL puts the bot's queue on NATS JetStream instead of the
	// database.
	NATSURL string
	// BotWorkers is how many workers handle Slack messages.
	BotWorkers int
	// EncryptionKey (32 bytes, hex or base64) seals bot tokens at rest
	// and opens the installation store.
	EncryptionKey string

	// SlackBotToken (xoxb-…) and SlackSigningSecret run the bot on the
	// Events API; SlackAppToken (xapp-…) on Socket Mode instead.
	SlackBotToken      string
	SlackSigningSecret string
	SlackAppToken      string
	// SlackAPIURL is Slack's Web API base (the sandbox's in development).
	SlackAPIURL string
	// SlackClientID, SlackClientSecret and SlackRedirectURL enable the
	// install flow and, with ConsoleURL, Sign in with Slack.
	SlackClientID     string
	SlackClientSecret string
	SlackRedirectURL  string
	// SlackTeamID is the workspace the console signs people in to.
	SlackTeamID string
	// InstallCacheTTL is how long the bot keeps each workspace's
	// installation in memory; zero reads the store for every event.
	InstallCacheTTL time.Duration
	// ApprovalRunTimeout is how long an approved command may run without
	// a heartbeat before it is reported interrupted.
	ApprovalRunTimeout time.Duration

	// ConsoleURL serves the admin console at that address's path.
	ConsoleURL string
	// SessionKey (hex, at least 16 bytes) keeps console sessions across
	// restarts and replicas.
	SessionKey string

	// LogLevel is the lowest level logged: debug, info, warn or error;
	// empty means info for serve and warn for dev.
	LogLevel string

	// DevDir is where `bastion dev` keeps its database and keys.
	DevDir string
	// Commands is a file declaring commands served by a team's own HTTP
	// service; empty means none.
	Commands string
}

// Default returns the configuration with every default filled in.
func Default() Config {
	return Config{
		DB:                 "bastion.db",
		UsersInMemory:      authz.DefaultUsersInMemory,
		Addr:               "127.0.0.1:8080",
		FollowInterval:     authz.DefaultFollowInterval,
		BotWorkers:         runner.DefaultWorkers,
		SlackAPIURL:        DefaultSlackAPIURL,
		InstallCacheTTL:    teamchat.DefaultCacheTTL,
		ApprovalRunTimeout: approval.DefaultRunTimeout,
		DevDir:             ".bastion",
	}
}

// DefaultSlackAPIURL is Slack's Web API base.
const DefaultSlackAPIURL = "https://slack.com/api/"
