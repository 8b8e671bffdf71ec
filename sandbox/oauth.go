package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

type pendingCode struct {
	teamID      string
	installer   string
	scopes      []string
	redirectURI string
}

// AuthorizeCode plays an installer approving the app for a team with the
// given scopes, and returns the code the app exchanges with oauth.v2.access.
func (s *Server) AuthorizeCode(teamID, installerUserID string, scopes []string, redirectURI string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorizeLocked(teamID, installerUserID, scopes, redirectURI)
}

func (s *Server) authorizeLocked(teamID, installer string, scopes []string, redirectURI string) (string, error) {
	if _, ok := s.teams[teamID]; !ok {
		return "", fmt.Errorf("authorize: unknown team %s", teamID)
	}
	code := "code-" + randomHex(10)
	s.codes[code] = pendingCode{teamID: teamID, installer: installer, scopes: append([]string(nil), scopes...), redirectURI: redirectURI}
	return code, nil
}

// serveAuthorize approves at once what Slack's authorize page would ask a
// person to approve: the team is ?team= or the first team, the installer
// its first admin (or "UINSTALLER"), and it redirects to redirect_uri with
// code and state.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if s.opts.ClientID != "" && q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "invalid client_id", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	var scopes []string
	if q.Get("scope") != "" {
		scopes = strings.Split(q.Get("scope"), ",")
	}
	s.mu.Lock()
	teamID := q.Get("team")
	if teamID == "" && len(s.teamOrder) > 0 {
		teamID = s.teamOrder[0]
	}
	installer := "UINSTALLER"
	for _, u := range s.users[teamID] {
		if u.IsAdmin || u.IsOwner {
			installer = u.ID
			break
		}
	}
	code, err := s.authorizeLocked(teamID, installer, scopes, q.Get("redirect_uri"))
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

func (s *Server) oauthV2Access(c *call) (map[string]any, *apiError) {
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
	code, ok := s.codes[c.param("code")]
	if !ok {
		return nil, fail("invalid_code")
	}
	delete(s.codes, c.param("code"))
	if code.redirectURI != "" && c.param("redirect_uri") != "" && code.redirectURI != c.param("redirect_uri") {
		return nil, fail("bad_redirect_uri")
	}
	token, err := s.installLocked(code.teamID, code.installer, code.scopes)
	if err != nil {
		return nil, fail("invalid_code")
	}
	team := s.teams[code.teamID]
	out := map[string]any{
		"access_token":          token,
		"token_type":            "bot",
		"scope":                 strings.Join(code.scopes, ","),
		"bot_user_id":           s.opts.BotUserID,
		"app_id":                s.opts.AppID,
		"team":                  map[string]any{"id": team.ID, "name": team.Name},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"authed_user":           map[string]any{"id": code.installer},
	}
	if team.EnterpriseID != "" {
		out["enterprise"] = map[string]any{"id": team.EnterpriseID, "name": team.EnterpriseID}
	}
	if s.opts.TokenRotation {
		out["refresh_token"] = "xoxe-1-" + randomHex(12)
		out["expires_in"] = 43200
	}
	return out, nil
}
