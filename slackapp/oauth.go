package slackapp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// DefaultAuthorizeURL is Slack's OAuth v2 authorize page.
const DefaultAuthorizeURL = "https://slack.com/oauth/v2/authorize"

const stateCookie = "bastion_slack_oauth_state"

// Paths of the install flow's endpoints, below the server's address.
const (
	// InstallPath starts an install: it redirects to Slack's authorize page.
	InstallPath = "/slack/install"
	// CallbackPath is where Slack sends the installer back: its full
	// address (SLACK_REDIRECT_URL) must be one of the app's redirect URLs.
	CallbackPath = "/slack/oauth/callback"
)

// OAuthConfig configures the install and callback endpoints.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /slack/oauth/callback address.
	RedirectURL string
	// Scopes are the bot scopes requested (default AllFeatureScopes()).
	Scopes []string
	// AuthorizeURL is Slack's authorize page (the sandbox's in development).
	AuthorizeURL string
	// StateSecret signs the state parameter; at least 16 bytes.
	StateSecret []byte
	// StateTTL is how long an install link stays valid (default 10 minutes).
	StateTTL time.Duration
}

// OAuthHandler serves GET /slack/install and GET /slack/oauth/callback.
type OAuthHandler struct {
	cfg   OAuthConfig
	svc   *Service
	state stateSigner
	mux   *http.ServeMux
}

// NewOAuthHandler checks cfg and builds the OAuth v2 install handler; it
// stores installations and refreshes scopes through svc.
func NewOAuthHandler(cfg OAuthConfig, svc *Service) (*OAuthHandler, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("slack oauth: client id, client secret and redirect url are required")
	}
	if len(cfg.StateSecret) < 16 {
		return nil, fmt.Errorf("slack oauth: state secret must be at least 16 bytes")
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = AllFeatureScopes()
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 10 * time.Minute
	}
	h := &OAuthHandler{cfg: cfg, svc: svc, state: stateSigner{secret: cfg.StateSecret, ttl: cfg.StateTTL}, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET "+InstallPath, h.install)
	h.mux.HandleFunc("GET "+CallbackPath, h.callback)
	return h, nil
}

// ServeHTTP routes the two endpoints.
func (h *OAuthHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// install starts the OAuth flow. ?team=T… asks Slack's authorize page to
// install into that workspace (or organisation), as a reinstall of one
// workspace must; without it Slack lets the person pick.
func (h *OAuthHandler) install(w http.ResponseWriter, r *http.Request) {
	team := r.URL.Query().Get("team")
	if team != "" && !validTeamID(team) {
		page(w, http.StatusBadRequest, "Installation failed", "team must be a Slack workspace or organisation id such as T0123ABCD.")
		return
	}
	state, err := h.state.issue(h.svc.now())
	if err != nil {
		page(w, http.StatusInternalServerError, "Installation failed", err.Error())
		return
	}
	// The cookie ties the callback to the browser that started the install.
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/slack/", HttpOnly: true,
		MaxAge: int(h.cfg.StateTTL.Seconds()), SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	q := url.Values{
		"client_id":    {h.cfg.ClientID},
		"scope":        {strings.Join(h.cfg.Scopes, ",")},
		"redirect_uri": {h.cfg.RedirectURL},
		"state":        {state},
	}
	if team != "" {
		q.Set("team", team)
	}
	http.Redirect(w, r, h.cfg.AuthorizeURL+"?"+q.Encode(), http.StatusFound)
}

// InstallURLFor is the link that installs the app again into one
// workspace (or organisation): installURL (GET /slack/install) naming
// the team, so that Slack installs there and not wherever the person
// last was. An empty installURL stays empty.
func InstallURLFor(installURL, teamID string) string {
	if installURL == "" || teamID == "" {
		return installURL
	}
	sep := "?"
	if strings.Contains(installURL, "?") {
		sep = "&"
	}
	return installURL + sep + "team=" + url.QueryEscape(teamID)
}

// validTeamID accepts what Slack's workspace and organisation ids look
// like: up to 32 capital letters and digits.
func validTeamID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func (h *OAuthHandler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		page(w, http.StatusBadRequest, "Installation cancelled", "Slack answered: "+e)
		return
	}
	state := q.Get("state")
	if err := h.state.verify(state, h.svc.now()); err != nil {
		reason := "The install link was not issued here."
		if errors.Is(err, errStateExpired) {
			reason = "The install link expired."
		}
		page(w, http.StatusBadRequest, "Installation failed", reason+" Start again from the install page.")
		return
	}
	if c, err := r.Cookie(stateCookie); err != nil || c.Value != state {
		page(w, http.StatusBadRequest, "Installation failed", "This install was started in another browser. Start again from the install page.")
		return
	}
	in, err := h.complete(r.Context(), q.Get("code"))
	if err != nil {
		h.svc.log.Error("slack install failed", "err", err)
		page(w, http.StatusBadGateway, "Installation failed", err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: "/slack/", MaxAge: -1})
	page(w, http.StatusOK, "Bastion is installed", fmt.Sprintf("Workspace %s is ready. Granted scopes: %s.", in.TeamID, in.Scopes.String()))
}

// complete exchanges the code, stores the installation (updating every
// record of a reinstalled team with the new token) and refreshes scopes.
func (h *OAuthHandler) complete(ctx context.Context, code string) (Installation, error) {
	if code == "" {
		return Installation{}, fmt.Errorf("no code in the callback")
	}
	resp, err := slack.GetOAuthV2ResponseContext(ctx, h.svc.client, h.cfg.ClientID, h.cfg.ClientSecret, code, h.cfg.RedirectURL,
		slack.OAuthOptionAPIURL(h.svc.apiURL))
	if err != nil {
		return Installation{}, fmt.Errorf("exchange oauth code: %w", err)
	}
	now := h.svc.now()
	in := Installation{
		ID: resp.Team.ID, TeamID: resp.Team.ID, EnterpriseID: resp.Enterprise.ID, EnterpriseInstall: resp.IsEnterpriseInstall,
		AppID: resp.AppID, BotUserID: resp.BotUserID, BotToken: resp.AccessToken, RefreshToken: resp.RefreshToken,
		InstallerUserID: resp.AuthedUser.ID, InstalledAt: now, Scopes: ParseScopes(resp.Scope), ScopesUpdatedAt: now, Active: true,
	}
	if resp.IsEnterpriseInstall || in.TeamID == "" {
		in.ID, in.TeamID = resp.Enterprise.ID, resp.Enterprise.ID
	}
	if in.TeamID == "" {
		return Installation{}, fmt.Errorf("oauth.v2.access named no team or enterprise")
	}
	if resp.ExpiresIn > 0 {
		in.TokenExpiresAt = now.Add(time.Duration(resp.ExpiresIn) * time.Second)
	}
	others, err := h.svc.store.TeamInstallations(ctx, in.TeamID)
	if err != nil {
		return Installation{}, err
	}
	for _, o := range others {
		if o.ID == in.ID {
			continue
		}
		o.BotToken, o.RefreshToken, o.TokenExpiresAt, o.BotUserID, o.Active = in.BotToken, in.RefreshToken, in.TokenExpiresAt, in.BotUserID, true
		if err := h.svc.store.SaveInstallation(ctx, o); err != nil {
			return Installation{}, err
		}
	}
	if err := h.svc.store.SaveInstallation(ctx, in); err != nil {
		return Installation{}, err
	}
	scopes, err := h.svc.RefreshScopes(ctx, in.TeamID)
	if err != nil {
		// The install itself worked; the grant from oauth.v2.access stands.
		h.svc.log.Warn("slack scope refresh after install failed", "team", in.TeamID, "err", err)
	} else {
		in.Scopes = scopes
	}
	h.svc.log.Info("slack app installed", "team", in.TeamID, "enterprise", in.EnterpriseID, "installer", in.InstallerUserID)
	return in, nil
}

func page(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"+
		"<body><h1>%s</h1><p>%s</p></body></html>\n", html.EscapeString(title), html.EscapeString(title), html.EscapeString(message))
}
