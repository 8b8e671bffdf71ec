package console

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// oidcCookie carries the state and nonce of a sign-in in progress.
const oidcCookie = "bastion_console_oidc"

// oidcTTL is how long a Sign in with Slack round trip may take.
const oidcTTL = 10 * time.Minute

type oidcState struct {
	State   string `json:"s"`
	Nonce   string `json:"n"`
	Expires int64  `json:"e"`
}

// slackSignIn serves GET /signin/slack: it sends the browser to Slack's
// OpenID Connect authorize page.
func (c *Console) slackSignIn(w http.ResponseWriter, r *http.Request) {
	cfg := c.opts.Slack
	if cfg == nil {
		http.NotFound(w, r)
		return
	}
	st := oidcState{State: randomToken(18), Nonce: randomToken(18), Expires: c.opts.Now().Add(oidcTTL).Unix()}
	v, err := c.signer.seal(oidcCookie, st)
	if err != nil {
		c.drawSignin(w, r, http.StatusInternalServerError, "Sign in with Slack failed on the server. Try again.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: v, Path: c.cookiePath(), HttpOnly: true,
		Secure: c.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(oidcTTL.Seconds())})
	q := url.Values{
		"response_type": {"code"},
		"scope":         {"openid profile"},
		"client_id":     {cfg.ClientID},
		"redirect_uri":  {cfg.RedirectURL},
		"state":         {st.State},
		"nonce":         {st.Nonce},
	}
	if cfg.TeamID != "" {
		q.Set("team", cfg.TeamID)
	}
	sep := "?"
	if strings.Contains(cfg.AuthorizeURL, "?") {
		sep = "&"
	}
	http.Redirect(w, r, cfg.AuthorizeURL+sep+q.Encode(), http.StatusFound)
}

// slackCallback serves GET /signin/slack/callback: it checks the state,
// exchanges the code with openid.connect.token, identifies the user with
// openid.connect.userInfo and starts a session.
func (c *Console) slackCallback(w http.ResponseWriter, r *http.Request) {
	cfg := c.opts.Slack
	if cfg == nil {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		c.drawSignin(w, r, http.StatusBadRequest, "Slack did not sign you in: "+e+".")
		return
	}
	var st oidcState
	ck, err := r.Cookie(oidcCookie)
	if err != nil || c.signer.open(oidcCookie, ck.Value, &st) != nil || c.opts.Now().Unix() >= st.Expires ||
		subtle.ConstantTimeCompare([]byte(st.State), []byte(q.Get("state"))) != 1 {
		c.drawSignin(w, r, http.StatusBadRequest, "This sign-in was not started in this browser, or it took too long. Start again.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: c.cookiePath(), MaxAge: -1})
	teamID, userID, err := c.identify(r, q.Get("code"), st.Nonce)
	if err != nil {
		c.log.Warn("console: sign in with Slack", "error", err)
		c.drawSignin(w, r, http.StatusBadGateway, "Sign in with Slack failed: "+err.Error())
		return
	}
	c.signIn(w, r, teamID, userID, "slack")
}

// identify exchanges code and returns who signed in.
func (c *Console) identify(r *http.Request, code, nonce string) (teamID, userID string, err error) {
	cfg := c.opts.Slack
	if code == "" {
		return "", "", fmt.Errorf("no code in the callback")
	}
	tok, err := slack.GetOpenIDConnectTokenContext(r.Context(), cfg.HTTPClient, cfg.ClientID, cfg.ClientSecret, code, cfg.RedirectURL,
		slack.OAuthOptionAPIURL(cfg.APIURL))
	if err != nil {
		return "", "", fmt.Errorf("openid.connect.token: %w", err)
	}
	id, err := parseIDToken(tok.IdToken, idTokenWant{Issuer: cfg.Issuer, ClientID: cfg.ClientID, Nonce: nonce, Now: c.opts.Now()})
	if err != nil {
		return "", "", err
	}
	api := slack.New(tok.AccessToken, slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(cfg.HTTPClient))
	info, err := api.GetOpenIDConnectUserInfoContext(r.Context())
	if err != nil {
		return "", "", fmt.Errorf("openid.connect.userInfo: %w", err)
	}
	if info.UserID == "" || info.TeamID == "" {
		return "", "", fmt.Errorf("openid.connect.userInfo named no user or team")
	}
	if info.UserID != id.Subject || info.TeamID != id.TeamID {
		return "", "", fmt.Errorf("openid.connect.userInfo names %s in %s, the id_token %s in %s", info.UserID, info.TeamID, id.Subject, id.TeamID)
	}
	return info.TeamID, info.UserID, nil
}
