package console

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func jwtWith(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return "e30." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

func TestParseIDToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	want := idTokenWant{Issuer: DefaultSlackIssuer, ClientID: "cid", Nonce: "n1", Now: now}
	good := func() map[string]any {
		return map[string]any{"iss": "https://slack.com", "aud": "cid", "exp": now.Unix() + 60, "nonce": "n1",
			"sub": "U1", "https://slack.com/team_id": "T1"}
	}
	tok, err := parseIDToken(jwtWith(t, good()), want)
	if err != nil || tok.Subject != "U1" || tok.TeamID != "T1" {
		t.Fatalf("good token: %+v %v", tok, err)
	}
	list := good()
	list["aud"] = []string{"other", "cid"}
	if _, err := parseIDToken(jwtWith(t, list), want); err != nil {
		t.Fatalf("aud as a list naming this app: %v", err)
	}
	late := good()
	late["exp"] = now.Unix() - 30 // within the skew
	if _, err := parseIDToken(jwtWith(t, late), want); err != nil {
		t.Fatalf("token 30 s past exp: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(map[string]any)
		raw    string
		says   string
	}{
		"missing":        {raw: "", says: "no id_token"},
		"not a JWT":      {raw: "abc", says: "not a JWT"},
		"bad base64":     {raw: "a.!!.c", says: "decode id_token"},
		"other issuer":   {change: func(c map[string]any) { c["iss"] = "https://evil.example" }, says: "issued by"},
		"other client":   {change: func(c map[string]any) { c["aud"] = "someone-else" }, says: "not this app"},
		"aud of numbers": {change: func(c map[string]any) { c["aud"] = 7 }, says: "aud"},
		"other nonce":    {change: func(c map[string]any) { c["nonce"] = "n2" }, says: "nonce"},
		"expired":        {change: func(c map[string]any) { c["exp"] = now.Unix() - 3600 }, says: "expired"},
		"no exp":         {change: func(c map[string]any) { delete(c, "exp") }, says: "expired"},
		"no user":        {change: func(c map[string]any) { delete(c, "sub") }, says: "no user or team"},
		"no team":        {change: func(c map[string]any) { delete(c, "https://slack.com/team_id") }, says: "no user or team"},
	} {
		raw := tc.raw
		if tc.change != nil {
			c := good()
			tc.change(c)
			raw = jwtWith(t, c)
		}
		if _, err := parseIDToken(raw, want); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v; want an error saying %q", name, err, tc.says)
		}
	}
}

// Whatever Slack's token endpoint returns, parsing it gives a clear error
// or a token that says what this sign-in asked for.
func FuzzParseIDToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	want := idTokenWant{Issuer: DefaultSlackIssuer, ClientID: "cid", Nonce: "n1", Now: now}
	f.Add(`{"iss":"https://slack.com","aud":"cid","exp":1800000060,"nonce":"n1","sub":"U1","https://slack.com/team_id":"T1"}`)
	f.Add(`{"aud":["x","cid"],"exp":1e300}`)
	f.Add(`{"aud":{},"exp":"soon"}`)
	f.Fuzz(func(t *testing.T, claims string) {
		for _, raw := range []string{"e30." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".sig", claims} {
			tok, err := parseIDToken(raw, want)
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("%q: empty error", raw)
				}
				continue
			}
			if tok.Issuer != want.Issuer || tok.Nonce != want.Nonce || tok.Subject == "" || tok.TeamID == "" {
				t.Fatalf("%q accepted as %+v", raw, tok)
			}
		}
	})
}
