package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/sandbox"
)

// slackEnv is a console whose Sign in with Slack talks to the sandbox,
// which approves as user.
func slackEnv(t *testing.T, user string) (*env, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{ClientID: "cid", ClientSecret: "csecret"})
	if err := sb.AddTeam(sandbox.Team{ID: "T1", Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []sandbox.User{{ID: "UROLES", RealName: "Rita"}, {ID: "UGUEST", IsUltraRestricted: true}} {
		if err := sb.AddUser("T1", u); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/", sb.Handler())
	mux.HandleFunc("GET /openid/connect/authorize", sb.ServeOpenIDAuthorize)
	slack := httptest.NewServer(mux)
	t.Cleanup(slack.Close)
	e := newEnv(t, func(o *console.Options, base string) {
		o.DevSignIn = false
		o.Slack = &console.SlackSignIn{ClientID: "cid", ClientSecret: "csecret",
			RedirectURL:  base + "/console/signin/slack/callback",
			AuthorizeURL: slack.URL + "/openid/connect/authorize?user=" + user,
			APIURL:       slack.URL + "/api/"}
	})
	return e, sb
}

func TestSignInWithSlack(t *testing.T) {
	e, _ := slackEnv(t, "UROLES")
	c := e.newClient()
	status, page := c.get("/console/signin")
	if status != http.StatusOK || !strings.Contains(page, "Sign in with Slack") || strings.Contains(page, "Development sign-in") {
		t.Fatalf("sign-in page: %d\n%s", status, page)
	}
	status, page = c.get("/console/signin/slack")
	if status != http.StatusOK || !strings.Contains(page, "UROLES in T1") {
		t.Fatalf("after Sign in with Slack: %d\n%s", status, page)
	}
	c.csrf = csrfOf(t, page)
	if status, _ := c.post("/console/assignments/assign", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1")); status != http.StatusOK || !e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatalf("write after Slack sign-in: %d", status)
	}
	if status, _ := c.postRaw("/console/signin/dev", url.Values{"pick": {"T1/UPRIMARY"}}); status != http.StatusNotFound {
		t.Fatalf("the development picker answers while disabled: %d", status)
	}
}

func TestSignInWithSlackRefusesGuests(t *testing.T) {
	e, _ := slackEnv(t, "UGUEST")
	status, page := e.newClient().get("/console/signin/slack")
	if status != http.StatusForbidden || !strings.Contains(page, "not guests") || strings.Contains(page, "data-csrf=") {
		t.Fatalf("guest via Slack: %d\n%s", status, page)
	}
}

func TestSlackCallbackChecksStateAndNonce(t *testing.T) {
	e, sb := slackEnv(t, "UROLES")
	c := e.newClient()
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/console/signin/slack", nil)
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("start: %d %v", res.StatusCode, err)
	}
	q := loc.Query()
	if q.Get("scope") != "openid profile" || q.Get("client_id") != "cid" || q.Get("nonce") == "" || q.Get("user") != "UROLES" {
		t.Fatalf("authorize query: %v", q)
	}
	redirect := q.Get("redirect_uri")

	// A code for another nonce is refused.
	code, err := sb.AuthorizeOpenID("T1", "UROLES", redirect, "someone-elses-nonce")
	if err != nil {
		t.Fatal(err)
	}
	status, page := c.get("/console/signin/slack/callback?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode())
	if status != http.StatusBadGateway || !strings.Contains(page, "nonce") {
		t.Fatalf("wrong nonce: %d\n%s", status, page)
	}

	// A state this browser did not start is refused.
	code, _ = sb.AuthorizeOpenID("T1", "UROLES", redirect, q.Get("nonce"))
	status, page = e.newClient().get("/console/signin/slack/callback?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode())
	if status != http.StatusBadRequest || !strings.Contains(page, "not started in this browser") {
		t.Fatalf("foreign browser: %d\n%s", status, page)
	}
}
