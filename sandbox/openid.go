package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// openIDCodeKey files Sign in with Slack codes apart from install codes in
// s.codes, so that oauth.v2.access never accepts one.
const openIDCodeKey = "openid:"

// openIDScopes are what a Sign in with Slack user token is granted.
var openIDScopes = []string{"openid", "profile"}

// AuthorizeOpenID plays userID of teamID approving Sign in with Slack and
// returns the code the app exchanges with openid.connect.token. The nonce
// comes back in the id_token.
func (s *Server) AuthorizeOpenID(teamID, userID, redirectURI, nonce string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorizeOpenIDLocked(teamID, userID, redirectURI, nonce)
}

func (s *Server) authorizeOpenIDLocked(teamID, userID, redirectURI, nonce string) (string, error) {
	if _, ok := s.teams[teamID]; !ok {
		return "", fmt.Errorf("openid authorize: unknown team %s", teamID)
	}
	if _, ok := s.users[teamID][userID]; !ok {
		return "", fmt.Errorf("openid authorize: no user %s in team %s", userID, teamID)
	}
	// The code carries the nonce; only the sandbox reads it.
	code := "oidc-" + randomHex(10) + "-" + base64.RawURLEncoding.EncodeToString([]byte(nonce))
	s.codes[openIDCodeKey+code] = pendingCode{teamID: teamID, installer: userID, scopes: openIDScopes, redirectURI: redirectURI}
	return code, nil
}

// ServeOpenIDAuthorize stands in for Slack's OpenID Connect authorize page
// (https://slack.com/openid/connect/authorize): it approves at once as the
// user named by ?user= (a sandbox extension) or the team's first person,
// in ?team= or the first team, and redirects to redirect_uri with code and
// state. Mount it where the app expects the authorize page.
func (s *Server) ServeOpenIDAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if s.opts.ClientID != "" && q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "invalid client_id", http.StatusBadRequest)
		return
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		http.Error(w, "scope must include openid", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	teamID := q.Get("team")
	if teamID == "" && len(s.teamOrder) > 0 {
		teamID = s.teamOrder[0]
	}
	userID := q.Get("user")
	if userID == "" {
		userID = s.firstPersonLocked(teamID)
	}
	code, err := s.authorizeOpenIDLocked(teamID, userID, q.Get("redirect_uri"), q.Get("nonce"))
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// firstPersonLocked returns the smallest id of a team's non-bot users.
func (s *Server) firstPersonLocked(teamID string) string {
	first := ""
	for id, u := range s.users[teamID] {
		if !u.IsBot && (first == "" || id < first) {
			first = id
		}
	}
	return first
}

// openIDConnectToken exchanges a Sign in with Slack code for a user token
// and an id_token (HS256-signed with the client secret).
func (s *Server) openIDConnectToken(c *call) (map[string]any, *apiError) {
	clientID, secret := c.param("client_id"), c.param("client_secret")
	if c.basicUser != "" {
		clientID, secret = c.basicUser, c.basicPass
	}
	if s.opts.ClientID != "" && clientID != s.opts.ClientID {
		return nil, fail("invalid_client_id")
	}
	if s.opts.ClientSecret != "" && secret != s.opts.ClientSecret {
		return nil, fail("bad_client_secret")
	}
	raw := c.param("code")
	code, ok := s.codes[openIDCodeKey+raw]
	if !ok {
		return nil, fail("invalid_code")
	}
	delete(s.codes, openIDCodeKey+raw)
	if code.redirectURI != "" && c.param("redirect_uri") != code.redirectURI {
		return nil, fail("bad_redirect_uri")
	}
	var nonce string
	if i := strings.LastIndex(raw, "-"); i >= 0 {
		if b, err := base64.RawURLEncoding.DecodeString(raw[i+1:]); err == nil {
			nonce = string(b)
		}
	}
	token := "xoxp-" + code.teamID + "-" + randomHex(12)
	s.installs[token] = &install{teamID: code.teamID, token: token, scopes: append([]string(nil), openIDScopes...), installer: code.installer}
	now := s.opts.Now().Unix()
	claims := map[string]any{
		"iss": "https://slack.com", "sub": code.installer, "aud": clientID,
		"iat": now, "exp": now + 3600, "auth_time": now, "nonce": nonce,
		"https://slack.com/user_id": code.installer, "https://slack.com/team_id": code.teamID,
	}
	idToken, err := signJWT(claims, secret)
	if err != nil {
		return nil, fail("internal_error")
	}
	return map[string]any{"access_token": token, "token_type": "Bearer", "id_token": idToken}, nil
}

// openIDConnectUserInfo answers who a Sign in with Slack token belongs to.
func (s *Server) openIDConnectUserInfo(c *call) (map[string]any, *apiError) {
	if e := need(c, "openid"); e != nil {
		return nil, e
	}
	userID := c.inst.installer
	u, ok := s.users[c.team.ID][userID]
	if !ok {
		return nil, fail("user_not_found")
	}
	return map[string]any{
		"sub":                           userID,
		"https://slack.com/user_id":     userID,
		"https://slack.com/team_id":     c.team.ID,
		"name":                          u.RealName,
		"given_name":                    u.Name,
		"https://slack.com/team_name":   c.team.Name,
		"https://slack.com/team_domain": c.team.Domain,
	}, nil
}

// signJWT builds a compact HS256 JSON Web Token.
func signJWT(claims map[string]any, key string) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	unsigned := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}
