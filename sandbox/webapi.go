package sandbox

import (
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// call is one Web API request after parsing and authentication.
type call struct {
	method string
	params map[string]string
	// basicUser and basicPass carry HTTP basic credentials (oauth.v2.access).
	basicUser, basicPass string
	inst                 *install
	team                 *Team
}

func (c *call) param(name string) string { return c.params[name] }

// apiError is a Slack error answer: {"ok":false,"error":code,...extra}.
type apiError struct {
	code  string
	extra map[string]any
}

func fail(code string) *apiError { return &apiError{code: code} }

type methodSpec struct {
	// accepted is the x-accepted-oauth-scopes value; any one is enough.
	accepted string
	// noToken marks methods called with app credentials instead of a token.
	noToken bool
	handle  func(s *Server, c *call) (map[string]any, *apiError)
}

// methodTable maps each Web API method the sandbox speaks to its handler.
func methodTable() map[string]methodSpec {
	return map[string]methodSpec{
		"auth.test":          {handle: (*Server).authTest},
		"chat.postMessage":   {accepted: "chat:write", handle: (*Server).chatPostMessage},
		"chat.update":        {accepted: "chat:write", handle: (*Server).chatUpdate},
		"chat.postEphemeral": {accepted: "chat:write", handle: (*Server).chatPostEphemeral},
		"reactions.add":      {accepted: "reactions:write", handle: (*Server).reactionsAdd},
		"reactions.remove":   {accepted: "reactions:write", handle: (*Server).reactionsRemove},
		"reactions.get":      {accepted: "reactions:read", handle: (*Server).reactionsGet},
		"conversations.info": {accepted: "channels:read,groups:read,im:read,mpim:read", handle: (*Server).conversationsInfo},
		"users.info":         {accepted: "users:read", handle: (*Server).usersInfo},
		"team.info":          {accepted: "team:read", handle: (*Server).teamInfo},
		"conversations.list": {accepted: "channels:read,groups:read,im:read,mpim:read", handle: (*Server).conversationsList},
		"users.list":         {accepted: "users:read", handle: (*Server).usersList},
		"oauth.v2.access":    {noToken: true, handle: (*Server).oauthV2Access},

		"openid.connect.token":    {noToken: true, handle: (*Server).openIDConnectToken},
		"openid.connect.userInfo": {accepted: "openid", handle: (*Server).openIDConnectUserInfo},

		"conversations.archive": {accepted: "channels:manage,groups:write", handle: (*Server).conversationsArchive},
	}
}

func (s *Server) serveMethod(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("method")
	spec, ok := s.methods[name]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	params, err := parseParams(r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	c := &call{method: name, params: params}
	c.basicUser, c.basicPass, _ = r.BasicAuth()
	token := params["token"]
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if retryAfter, limited := s.takeRateLimitLocked(name); limited {
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if spec.accepted != "" {
		w.Header().Set("X-Accepted-OAuth-Scopes", spec.accepted)
	}
	if !spec.noToken {
		if token == "" {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "not_authed"})
			return
		}
		in, ok := s.installs[token]
		if !ok {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		if in.revoked {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "token_revoked"})
			return
		}
		c.inst = in
		c.team = s.teams[in.teamID]
		w.Header().Set("X-OAuth-Scopes", strings.Join(in.scopes, ","))
	}
	body, apiErr := spec.handle(s, c)
	if apiErr != nil {
		out := map[string]any{"ok": false, "error": apiErr.code}
		for k, v := range apiErr.extra {
			out[k] = v
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if body == nil {
		body = map[string]any{}
	}
	body["ok"] = true
	writeJSON(w, http.StatusOK, body)
}

// need answers missing_scope unless the caller's token has one of scopes.
func need(c *call, scopes ...string) *apiError {
	for _, sc := range scopes {
		if slices.Contains(c.inst.scopes, sc) {
			return nil
		}
	}
	return &apiError{code: "missing_scope", extra: map[string]any{
		"needed":   strings.Join(scopes, ","),
		"provided": strings.Join(c.inst.scopes, ","),
	}}
}

func (s *Server) takeRateLimitLocked(method string) (string, bool) {
	l, ok := s.limits[method]
	if !ok || l.remaining <= 0 {
		return "", false
	}
	l.remaining--
	if l.remaining == 0 {
		delete(s.limits, method)
	} else {
		s.limits[method] = l
	}
	return strconv.Itoa(int(math.Ceil(l.retryAfter.Seconds()))), true
}

// parseParams merges query, form and JSON body arguments into one map;
// JSON values that are not strings keep their JSON text (e.g. blocks).
func parseParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if r.Body == nil {
		return out, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		var obj map[string]json.RawMessage
		if len(strings.TrimSpace(string(body))) == 0 {
			return out, nil
		}
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, err
		}
		for k, raw := range obj {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				out[k] = str
			} else {
				out[k] = string(raw)
			}
		}
		return out, nil
	}
	form, err := parseQuery(string(body))
	if err != nil {
		return nil, err
	}
	for k, v := range form {
		out[k] = v
	}
	return out, nil
}

func parseQuery(body string) (map[string]string, error) {
	out := map[string]string{}
	values, err := url.ParseQuery(body)
	if err != nil {
		return nil, err
	}
	for k, v := range values {
		out[k] = v[0]
	}
	return out, nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
