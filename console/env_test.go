package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/storetest"
)

// testSessionKey signs the test consoles' sessions.
var testSessionKey = []byte("console-test-session-key-0123456789")

// env is a console over a demo engine on a real SQLite file, with two
// Slack installations: T1 granted every feature's scopes, T2 lacks
// reactions:write.
type env struct {
	t        *testing.T
	engine   *authz.Engine
	installs *installsql.Store
	names    *namesql.Store
	console  *console.Console
	srv      *httptest.Server
}

func newEnv(t *testing.T, tune func(o *console.Options, baseURL string)) *env {
	t.Helper()
	return buildEnv(t, tune, false)
}

// newNamedEnv is newEnv with a name directory that names every user,
// channel, workspace and enterprise of the demo organisation, as bastion
// dev's sandbox does: "Mia (member)", "#backoffice", "Acme", "Acme Corp".
func newNamedEnv(t *testing.T, tune func(o *console.Options, baseURL string)) *env {
	t.Helper()
	return buildEnv(t, tune, true)
}

func buildEnv(t *testing.T, tune func(o *console.Options, baseURL string), named bool) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, eng); err != nil {
		t.Fatal(err)
	}
	sealer, err := slackapp.NewTokenSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	ins, err := installsql.Open(ctx, db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	all := strings.Join(slackapp.AllFeatureScopes(), ",")
	lacking := strings.ReplaceAll(all, "reactions:write", "")
	for team, scopes := range map[string]string{demo.TeamMain: all, demo.TeamOther: lacking} {
		in := slackapp.Installation{ID: team, TeamID: team, EnterpriseID: demo.Enterprise, AppID: "A1", BotUserID: "UBOT",
			BotToken: "xoxb-" + team, InstalledAt: now, Scopes: slackapp.ParseScopes(scopes), ScopesUpdatedAt: now, Active: true}
		if err := ins.SaveInstallation(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := namesql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if named {
		if err := dir.Set(ctx, demoNames()); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	opts := console.Options{
		Engine:        eng,
		Installations: ins,
		InstallURL:    "/slack/install",
		SessionKey:    testSessionKey,
		DevSignIn:     true,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if named {
		opts.Names = dir
	}
	if tune != nil {
		tune(&opts, srv.URL)
	}
	c, err := console.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(c.Prefix()+"/", c.Handler())
	srv.Config.Handler = mux
	return &env{t: t, engine: eng, installs: ins, names: dir, console: c, srv: srv}
}

// demoNames names the demo organisation: users by their handle made a
// name ("mia-member" is "Mia (member)"), channels, workspaces and the
// enterprise.
func demoNames() []names.Entry {
	out := []names.Entry{
		{Kind: names.Enterprise, ID: demo.Enterprise, Name: "Acme Corp", Source: names.FromImport},
		{Kind: names.Team, ID: demo.TeamMain, Name: "Acme", Source: names.FromImport},
		{Kind: names.Team, ID: demo.TeamOther, Name: "Acme Support", Source: names.FromImport},
	}
	for _, c := range demo.Channels() {
		out = append(out, names.Entry{Kind: names.Channel, ID: c.ID, Name: c.Name, TeamID: c.Team, Source: names.FromImport})
	}
	for _, u := range demo.Users() {
		first, rest, _ := strings.Cut(u.Name, "-")
		name := strings.ToUpper(first[:1]) + first[1:] + " (" + strings.ReplaceAll(rest, "-", " ") + ")"
		out = append(out, names.Entry{Kind: names.User, ID: u.ID, Name: name, Handle: u.Name, TeamID: u.Team, Source: names.FromImport})
	}
	return out
}

// client is one browser: a cookie jar and the session's CSRF token.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func (e *env) newClient() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{t: e.t, base: e.srv.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// signIn signs in with the development picker and keeps the CSRF token.
func (e *env) signIn(team, user string) *client {
	e.t.Helper()
	c := e.newClient()
	status, body := c.postRaw("/console/signin/dev", url.Values{"pick": {team + "/" + user}})
	if status != http.StatusOK {
		e.t.Fatalf("sign in as %s/%s: status %d\n%s", team, user, status, body)
	}
	c.csrf = csrfOf(e.t, body)
	return c
}

var csrfAttr = regexp.MustCompile(`data-csrf="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfAttr.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

func (c *client) do(req *http.Request) (int, string) {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL, err)
	}
	return res.StatusCode, string(b)
}

// get fetches a path and follows redirects.
func (c *client) get(path string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post submits a form with the session's CSRF token and follows the
// redirect that a successful write answers.
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	f := url.Values{"csrf": {c.csrf}}
	for k, v := range form {
		f[k] = v
	}
	return c.postRaw(path, f)
}

func (c *client) postRaw(path string, form url.Values) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// grant gives user role on entity, as the demo data's loader would.
func (e *env) grant(user, role, entity string) {
	e.t.Helper()
	if _, err := e.engine.Assign(context.Background(), user, role, entity, "test"); err != nil {
		e.t.Fatal(err)
	}
}

// hasAssignment reports whether the engine holds the assignment.
func (e *env) hasAssignment(user, role, entity string) bool {
	e.t.Helper()
	list, err := e.engine.Assignments(context.Background(), authz.AssignmentFilter{UserID: user})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range list {
		if a.Role == role && a.EntityID == entity {
			return true
		}
	}
	return false
}
