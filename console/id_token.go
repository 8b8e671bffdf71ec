package console

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultSlackIssuer is the iss claim of Slack's id_tokens.
const DefaultSlackIssuer = "https://slack.com"

// idTokenSkew is how far past its exp claim an id_token is still taken,
// for clocks that disagree a little.
const idTokenSkew = time.Minute

// idToken is what sign-in takes from the id_token of openid.connect.token.
type idToken struct {
	Issuer   string   `json:"iss"`
	Audience audience `json:"aud"`
	Expires  int64    `json:"exp"`
	Nonce    string   `json:"nonce"`
	// Subject is the Slack user id.
	Subject string `json:"sub"`
	TeamID  string `json:"https://slack.com/team_id"`
}

// audience is the aud claim: one client id, or a list of them.
type audience []string

// UnmarshalJSON takes a string or an array of strings.
func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor a list of strings")
	}
	*a = many
	return nil
}

// idTokenWant is what an id_token must say for this sign-in.
type idTokenWant struct {
	Issuer   string
	ClientID string
	Nonce    string
	Now      time.Time
}

// parseIDToken reads an id_token and checks that Slack issued it to this
// app, for this browser's sign-in (the nonce), and that it has not
// expired. The token came straight from Slack over the code exchange, so
// its signature is not checked (OpenID Connect Core 3.1.3.7 lets TLS stand
// in for it in the code flow); its claims are.
func parseIDToken(raw string, want idTokenWant) (idToken, error) {
	var t idToken
	if raw == "" {
		return t, errors.New("openid.connect.token returned no id_token")
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return t, errors.New("id_token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return t, fmt.Errorf("decode id_token: %w", err)
	}
	if err := json.Unmarshal(payload, &t); err != nil {
		return t, fmt.Errorf("decode id_token claims: %w", err)
	}
	switch {
	case t.Issuer != want.Issuer:
		return t, fmt.Errorf("id_token was issued by %q, not %q", t.Issuer, want.Issuer)
	case !slices.Contains(t.Audience, want.ClientID):
		return t, fmt.Errorf("id_token is for client %v, not this app (%s)", []string(t.Audience), want.ClientID)
	case t.Nonce != want.Nonce:
		return t, errors.New("id_token nonce does not match this sign-in")
	case t.Expires == 0 || want.Now.After(time.Unix(t.Expires, 0).Add(idTokenSkew)):
		return t, fmt.Errorf("id_token expired at %s", time.Unix(t.Expires, 0).UTC().Format(time.RFC3339))
	case t.Subject == "" || t.TeamID == "":
		return t, errors.New("id_token names no user or team")
	}
	return t, nil
}
