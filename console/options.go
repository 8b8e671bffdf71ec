package console

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/bastionhq/bastion/names"
)

// Defaults of Options.
const (
	DefaultPrefix       = "/console"
	DefaultInstallURL   = "/slack/install"
	DefaultSessionTTL   = 12 * time.Hour
	DefaultHeartbeat    = 15 * time.Second
	DefaultAuthorizeURL = "https://slack.com/openid/connect/authorize"
	DefaultSlackAPIURL  = "https://slack.com/api/"
)

// SignInCallbackPath is where Slack sends a person back after Sign in with
// Slack, below the console's prefix: PREFIX + SignInCallbackPath, as a
// full address, must be one of the Slack app's redirect URLs.
const SignInCallbackPath = "/signin/slack/callback"

// Options configure a Console. Engine and at least one sign-in method
// (DevSignIn or Slack) are required.
type Options struct {
	// Engine is the permission engine (an *authz.Engine).
	Engine Engine
	// Installations lists Slack installations; nil hides the page's
	// content behind "Slack is not configured".
	Installations Installations
	// Approvals lists pending approvals; nil means not configured.
	Approvals Approvals
	// Votes casts votes on pending approvals from the approvals page
	// through the approval workflow; nil offers no buttons there.
	Votes ApprovalVoter
	// Names is the directory of display names pages show ids by; nil
	// shows ids.
	Names names.Directory
	// Previewer says, before an assignment, a role edit or an entity
	// write is confirmed, who gains and loses what. When nil and the
	// engine has a Store (as *authz.Engine has), previews are computed by
	// console/preview (rolesdiff.ForWrite) on it; otherwise writes are
	// confirmed without a preview.
	Previewer Previewer
	// InstallURL is the link that (re)installs the Slack app, shown next
	// to every upgrade notice (default /slack/install).
	InstallURL string
	// Prefix is the path the console is served under (default /console).
	Prefix string
	// SessionKey signs session cookies. When empty a random key is made
	// and sessions do not survive a restart.
	SessionKey []byte
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure (set it when served over HTTPS).
	SecureCookies bool
	// DevSignIn offers a user picker instead of a real sign-in: for
	// `bastion dev` only.
	DevSignIn bool
	// Slack enables Sign in with Slack (OpenID Connect).
	Slack *SlackSignIn
	// Heartbeat is how often the live stream sends a keep-alive comment
	// (default 15 s).
	Heartbeat time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the console's logs (default slog.Default()).
	Logger *slog.Logger
}

// SlackSignIn configures Sign in with Slack.
type SlackSignIn struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is this console's PREFIX/signin/slack/callback address
	// as registered with the Slack app.
	RedirectURL string
	// AuthorizeURL is Slack's OpenID Connect authorize page (default
	// https://slack.com/openid/connect/authorize).
	AuthorizeURL string
	// APIURL is the Web API base with a trailing slash (default
	// https://slack.com/api/; the sandbox's APIURL in tests).
	APIURL string
	// TeamID, when set, asks Slack to sign in to that workspace.
	TeamID string
	// Issuer is the iss claim the id_token must carry (default
	// DefaultSlackIssuer).
	Issuer string
	// HTTPClient calls the Web API (default a client with a 30 s timeout).
	HTTPClient *http.Client
}

func (o *Options) defaults() {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.InstallURL == "" {
		o.InstallURL = DefaultInstallURL
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if s := o.Slack; s != nil {
		if s.AuthorizeURL == "" {
			s.AuthorizeURL = DefaultAuthorizeURL
		}
		if s.APIURL == "" {
			s.APIURL = DefaultSlackAPIURL
		}
		if s.Issuer == "" {
			s.Issuer = DefaultSlackIssuer
		}
		if s.HTTPClient == nil {
			s.HTTPClient = &http.Client{Timeout: 30 * time.Second}
		}
	}
}
