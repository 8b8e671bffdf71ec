package runner

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"net/http"
	"strings"
	"time"

	natsq "github.com/bastionhq/bastion/queue/nats"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/queue"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Defaults for the zero Options.
const (
	DefaultWorkers        = 4
	DefaultPruneInterval  = time.Hour
	DefaultClaimRetention = 7 * 24 * time.Hour
	DefaultDrainTimeout   = 25 * time.Second
	// DefaultAPIURL is Slack's Web API base.
	DefaultAPIURL = "https://slack.com/api/"
)

// ClaimPruner deletes finished message claims created before cutoff;
// *botsql.Store is one.
type ClaimPruner interface {
	PruneClaims(ctx context.Context, cutoff time.Time) (int64, error)
}

// Options configure a Runner. BotToken, and SigningSecret unless AppToken
// is set, are required, as is a Router or an Authorizer; DB is required
// unless Queue, Claims and Audit are all given.
type Options struct {
	// DB holds the default queue (sqlqueue) and the claim and audit store
	// (botsql). It belongs to the caller.
	DB *sqldb.DB
	// Queue, when set, is used instead of opening one; it belongs to the
	// caller.
	Queue queue.Queue
	// NATSURL, when set and Queue is not, puts the queue on NATS JetStream
	// (nats://host:4222) with NATS's options.
	NATSURL string
	NATS    natsq.Options
	// Claims and Audit default to a botsql store on DB. Claims are pruned
	// when they implement ClaimPruner.
	Claims slackbot.ClaimStore
	Audit  router.AuditLog

	// BotToken (xoxb-…) calls the Web API at APIURL (default
	// DefaultAPIURL; the sandbox's APIURL in development and tests).
	BotToken string
	APIURL   string
	// BotUserID is the bot's user id; auth.test tells it when empty.
	BotUserID string
	// BotUsers, when set, names the bot's user per workspace (each
	// workspace that installed the app has its own); BotUserID serves the
	// workspaces it names none for.
	BotUsers slackbot.BotUserSource
	// Chat replaces the Web API client workers reply through (default
	// slackbot.NewSlackChat with BotToken and APIURL).
	Chat slackbot.Chat
	// Chats, when set, picks the client of the workspace each message came
	// from (e.g. a *teamchat.Source over the installations), in place of
	// Chat; BotToken then still identifies the bot (auth.test).
	Chats slackbot.ChatSource
	// HTTPClient makes the runner's own Web API calls (auth.test, Socket
	// Mode's apps.connections.open); default http.DefaultClient.
	HTTPClient *http.Client

	// SigningSecret verifies Events API requests.
	SigningSecret string
	// AppToken (xapp-…) switches ingress to Socket Mode: no /slack/events
	// endpoint, the runner connects out to Slack instead.
	AppToken string

	// Router routes and authorizes messages. When nil the runner builds one
	// with Authorizer and Approvals and registers Commands on it.
	Router     *router.Router
	Authorizer bot.Authorizer
	Approvals  router.Gate
	// Commands are registered on the router, built or given.
	Commands []bot.Command
	// Reactions receives reaction events and Actions button clicks (both
	// e.g. a *approval.Workflow).
	Reactions slackbot.ReactionHook
	Actions   slackbot.ActionHook
	// Renames receives the events that rename users, channels and
	// workspaces.
	Renames slackbot.RenameHook
	// Interactions serves /slack/interactions. When nil and Actions is
	// set, the runner serves a slackbot.InteractionsHandler on its queue there
	// (in Socket Mode, clicks arrive over the socket instead).
	Interactions http.Handler
	// Background loops run next to the workers until Run's context ends
	// (e.g. (*approval.Workflow).Run, the sweep of expired requests and
	// interrupted approved runs).
	Background []func(ctx context.Context) error
	// Handlers are more handlers served by Handler, by ServeMux pattern
	// (e.g. "GET /slack/install").
	Handlers map[string]http.Handler
	// Installations gates ingress by installation (see
	// slackbot.EventsHandlerOptions.Installations); nil lets every team in.
	Installations slackbot.InstallationGate

	// Workers is how many workers take deliveries (default DefaultWorkers).
	Workers int
	// Lease, MarkerEmoji and ListenWithoutMention are passed to the workers.
	Lease                time.Duration
	MarkerEmoji          string
	ListenWithoutMention bool
	// PruneInterval is how often finished claims older than ClaimRetention
	// are deleted (defaults DefaultPruneInterval, DefaultClaimRetention).
	PruneInterval  time.Duration
	ClaimRetention time.Duration
	// DrainTimeout bounds how long Run waits for handlers in progress once
	// its context ends (default DefaultDrainTimeout); then their context is
	// cancelled.
	DrainTimeout time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// withDefaults fills zero fields and reports what is missing.
func (o Options) withDefaults() (Options, error) {
	var missing []string
	if o.BotToken == "" {
		missing = append(missing, "BotToken")
	}
	if o.SigningSecret == "" && o.AppToken == "" {
		missing = append(missing, "SigningSecret (or AppToken for Socket Mode)")
	}
	if o.Router == nil && o.Authorizer == nil {
		missing = append(missing, "Router or Authorizer")
	}
	if o.DB == nil && (o.Queue == nil && o.NATSURL == "" || o.Claims == nil || o.Audit == nil) {
		missing = append(missing, "DB (or Queue, Claims and Audit)")
	}
	if len(missing) > 0 {
		return o, errors.New("runner: missing " + strings.Join(missing, ", "))
	}
	if o.AppToken != "" && !strings.HasPrefix(o.AppToken, "xapp-") {
		return o, errors.New("runner: the Socket Mode app token must be an app-level token (xapp-…)")
	}
	if o.Router != nil && o.Approvals != nil {
		return o, errors.New("runner: Approvals belong to the router: pass them to router.New when you give a Router")
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = DefaultPruneInterval
	}
	if o.ClaimRetention <= 0 {
		o.ClaimRetention = DefaultClaimRetention
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = DefaultDrainTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
