package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Options configure a sandbox. Zero values get sensible defaults.
type Options struct {
	// SigningSecret signs event deliveries (X-Slack-Signature v0).
	SigningSecret string
	// VerificationToken is the legacy token put into event envelopes.
	VerificationToken string
	// EventsURL receives Events API requests; empty means events are
	// recorded as undeliverable until SetEventsURL is called.
	EventsURL string
	// InteractionsURL receives interaction payloads (button clicks, see
	// Click); SetInteractionsURL changes it.
	InteractionsURL string
	// AppID is the api_app_id of the app (default "ASANDBOX").
	AppID string
	// BotUserID is the bot's user id in every team (default "UBOT").
	BotUserID string
	// BotID is the bot's bot id (default "BBOT").
	BotID string
	// ClientID and ClientSecret are the app credentials oauth.v2.access checks.
	ClientID     string
	ClientSecret string
	// TokenRotation makes oauth.v2.access return a refresh token and expiry.
	TokenRotation bool
	// AckTimeout is how long a delivery waits for a 2xx (default 3 s).
	AckTimeout time.Duration
	// MaxRetries is how many times a failed delivery is retried (default 3).
	MaxRetries int
	// RetryDelays are the pauses before each retry (default none).
	RetryDelays []time.Duration
	// SuppressBotEcho stops delivering the bot's own messages back as
	// message events with bot_id set (Slack delivers them).
	SuppressBotEcho bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// HTTPClient delivers events (default a client with AckTimeout).
	HTTPClient *http.Client
	// Logger receives delivery failures (default slog.Default()).
	Logger *slog.Logger
}

// Server is the sandbox: Slack's state plus its HTTP front.
type Server struct {
	opts    Options
	methods map[string]methodSpec
	log     *slog.Logger
	client  *http.Client

	mu         sync.Mutex
	changed    chan struct{}
	eventsURL  string
	teams      map[string]*Team
	teamOrder  []string
	channels   map[string]*channelState
	users      map[string]map[string]*User // team -> user id -> user
	installs   map[string]*install         // token -> install
	codes      map[string]pendingCode
	limits     map[string]rateLimit
	lastMicro  int64
	lastEvent  int64
	deliveries []Delivery

	httpSrv  *httptest.Server
	ctx      context.Context
	cancel   context.CancelFunc
	inflight sync.WaitGroup
	// delivering counts event deliveries not yet finished (retries
	// included), under mu; see Idle.
	delivering int
}

type channelState struct {
	teamID     string
	info       Channel
	messages   []*Message
	ephemerals []*Message
}

type rateLimit struct {
	remaining  int
	retryAfter time.Duration
}

// New builds a sandbox with no teams. Call Start to listen, or mount Handler.
func New(opts Options) *Server {
	if opts.AppID == "" {
		opts.AppID = "ASANDBOX"
	}
	if opts.BotUserID == "" {
		opts.BotUserID = "UBOT"
	}
	if opts.BotID == "" {
		opts.BotID = "BBOT"
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = 3 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: opts.AckTimeout}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:      opts,
		methods:   methodTable(),
		log:       logger,
		client:    client,
		changed:   make(chan struct{}),
		eventsURL: opts.EventsURL,
		teams:     map[string]*Team{},
		channels:  map[string]*channelState{},
		users:     map[string]map[string]*User{},
		installs:  map[string]*install{},
		codes:     map[string]pendingCode{},
		limits:    map[string]rateLimit{},
		ctx:       ctx,
		cancel:    cancel,
	}
}

// Handler serves the Web API under /api/ and the OAuth authorize page
// under /oauth/v2/authorize.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveMethod)
	mux.HandleFunc("GET /oauth/v2/authorize", s.serveAuthorize)
	return mux
}

// Start listens on a local port. URL returns its base address.
func (s *Server) Start() {
	s.httpSrv = httptest.NewServer(s.Handler())
}

// URL is the base address of a started server, without a trailing slash;
// slack-go's API URL is URL()+"/api/".
func (s *Server) URL() string {
	if s.httpSrv == nil {
		return ""
	}
	return s.httpSrv.URL
}

// APIURL is the address to pass to slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.URL() + "/api/" }

// SetEventsURL changes where events are delivered.
func (s *Server) SetEventsURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventsURL = u
}

// Close stops pending deliveries and the listener.
func (s *Server) Close() {
	s.cancel()
	s.inflight.Wait()
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
}

// notifyLocked wakes every observer; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
