package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/console"
)

func TestPagesNeedASession(t *testing.T) {
	e := newEnv(t, nil)
	c := e.newClient()
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range []string{"/console/", "/console/roles", "/console/assignments", "/console/audit", "/console/installations"} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+p, nil)
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/signin" {
			t.Errorf("GET %s without a session: %d to %q, want 303 to /console/signin", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if status, body := c.get("/console/api/permissions"); status != http.StatusUnauthorized {
		t.Errorf("permissions without a session: %d %s", status, body)
	}
	if status, _ := c.get("/console/events"); status != http.StatusUnauthorized {
		t.Errorf("events without a session: %d", status)
	}
}

func TestDevSignInPickerListsMembersNotGuests(t *testing.T) {
	e := newEnv(t, nil)
	status, body := e.newClient().get("/console/signin")
	if status != http.StatusOK {
		t.Fatalf("sign-in page: %d", status)
	}
	for _, want := range []string{`value="T1/UROLES"`, `value="T1/UMEMBER"`, `value="T2/USUPPORT"`} {
		if !strings.Contains(body, want) {
			t.Errorf("picker lacks %s", want)
		}
	}
	if strings.Contains(body, `value="T1/UGUEST"`) {
		t.Error("picker offers a guest")
	}
	if strings.Contains(body, "Sign in with Slack") {
		t.Error("Slack sign-in offered while not configured")
	}
}

func TestGuestsAndStrangersCannotSignIn(t *testing.T) {
	e := newEnv(t, nil)
	for _, pick := range []string{"T1/UGUEST", "T1/UMCGUEST", "T1/UNOBODY", "T9/UMEMBER"} {
		status, body := e.newClient().postRaw("/console/signin/dev", url.Values{"pick": {pick}})
		if status == http.StatusOK || strings.Contains(body, "data-csrf=") {
			t.Errorf("%s signed in: %d", pick, status)
		}
	}
	status, body := e.newClient().postRaw("/console/signin/dev", url.Values{"pick": {"T1/UGUEST"}})
	if status != http.StatusForbidden || !strings.Contains(body, "not guests") {
		t.Errorf("guest sign-in: %d, want 403 saying guests cannot\n%s", status, body)
	}
}

func TestSignedInHomeShowsWhoAndWhat(t *testing.T) {
	e := newEnv(t, nil)
	status, body := e.signIn("T1", "UROLES").get("/console/")
	if status != http.StatusOK || !strings.Contains(body, "UROLES in T1") || !strings.Contains(body, "ASSIGN_ROLES") {
		t.Fatalf("home: %d\n%s", status, body)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := newEnv(t, nil)
	c := e.signIn("T1", "UROLES")
	if status, body := c.post("/console/signout", nil); status != http.StatusOK || !strings.Contains(body, "Sign in to the Bastion console") {
		t.Fatalf("sign out: %d\n%s", status, body)
	}
	if status, _ := c.get("/console/api/permissions"); status != http.StatusUnauthorized {
		t.Fatalf("after sign-out the session still works: %d", status)
	}
}

func TestForgedOrOtherKeySessionIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	other := newEnv(t, func(o *console.Options, _ string) { o.SessionKey = []byte("a-different-session-key-0123456789") })
	c := other.signIn("T1", "UROLES")
	// Carry the other console's cookie to this one (cookies ignore ports,
	// but say it anyway).
	src, _ := url.Parse(other.srv.URL + "/console/")
	dst, _ := url.Parse(e.srv.URL + "/console/")
	carried := c.http.Jar.Cookies(src)
	for _, ck := range carried {
		ck.Path = "/console/"
	}
	c.http.Jar.SetCookies(dst, carried)
	c.base = e.srv.URL
	if status, _ := c.get("/console/api/permissions"); status != http.StatusUnauthorized {
		t.Fatalf("a session signed with another key was accepted: %d", status)
	}
	// Tamper with the payload of a valid cookie.
	own := e.signIn("T1", "UMEMBER")
	cookies := own.http.Jar.Cookies(dst)
	for _, ck := range cookies {
		payload, mac, _ := strings.Cut(ck.Value, ".")
		ck.Value = payload + "x." + mac
		ck.Path = "/console/"
	}
	own.http.Jar.SetCookies(dst, cookies)
	if status, _ := own.get("/console/api/permissions"); status != http.StatusUnauthorized {
		t.Fatalf("a tampered session was accepted: %d", status)
	}
}

func TestNewRefusesIncompleteOptions(t *testing.T) {
	if _, err := console.New(console.Options{DevSignIn: true}); err == nil {
		t.Error("no engine accepted")
	}
	e := newEnv(t, nil)
	if _, err := console.New(console.Options{Engine: e.engine}); err == nil {
		t.Error("no sign-in method accepted")
	}
	if _, err := console.New(console.Options{Engine: e.engine, Slack: &console.SlackSignIn{ClientID: "x"}}); err == nil {
		t.Error("incomplete Slack sign-in accepted")
	}
	if _, err := console.New(console.Options{Engine: e.engine, DevSignIn: true, SessionKey: []byte("short")}); err == nil {
		t.Error("short session key accepted")
	}
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestSessionsExpire(t *testing.T) {
	// Start at the real time: the cookie jar applies the cookie's own expiry.
	clk := &clock{now: time.Now()}
	e := newEnv(t, func(o *console.Options, _ string) {
		o.Now = clk.Now
		o.SessionTTL = time.Hour
	})
	c := e.signIn("T1", "UROLES")
	clk.Advance(59 * time.Minute)
	if status, _ := c.get("/console/api/permissions"); status != http.StatusOK {
		t.Fatalf("session before expiry: %d", status)
	}
	clk.Advance(2 * time.Minute)
	if status, _ := c.get("/console/api/permissions"); status != http.StatusUnauthorized {
		t.Fatalf("session after expiry: %d", status)
	}
	status, body := c.post("/console/assignments/assign", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1"))
	if status != http.StatusUnauthorized || !strings.Contains(body, "Your session has ended") || e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatalf("write after expiry: %d\n%s", status, body)
	}
}
