package slackapp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

type fixture struct {
	sb    *sandbox.Server
	store *installsql.Store
	svc   *slackapp.Service
	now   time.Time
}

func newFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	sb := sandbox.New(sandbox.Options{ClientID: "cid", ClientSecret: "csecret", TokenRotation: true, SigningSecret: "fixture-secret"})
	sb.Start()
	t.Cleanup(sb.Close)
	for _, team := range []string{"T1", "T2"} {
		if err := sb.AddTeam(sandbox.Team{ID: team, EnterpriseID: "E1"}); err != nil {
			t.Fatal(err)
		}
		if err := sb.AddUser(team, sandbox.User{ID: "UADMIN" + team, IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
	}
	sealer, err := slackapp.NewTokenSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := installsql.Open(context.Background(), db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{sb: sb, store: store, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.svc = slackapp.NewService(store, slackapp.ServiceOptions{APIURL: sb.APIURL(), Now: func() time.Time { return f.now }})
	return f
}

// install runs the whole browser flow: /slack/install, the sandbox's
// authorize page, and the callback.
func (f *fixture) install(t *testing.T) (*http.Response, string) {
	t.Helper()
	return f.installPath(t, "/slack/install")
}

// installPath runs the browser flow from path, an install link.
func (f *fixture) installPath(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	app := httptest.NewServer(nil)
	t.Cleanup(app.Close)
	h, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{
		ClientID: "cid", ClientSecret: "csecret", RedirectURL: app.URL + "/slack/oauth/callback",
		AuthorizeURL: f.sb.URL() + "/oauth/v2/authorize", StateSecret: []byte("state-secret-0123456789"),
		Scopes: []string{"chat:write", "commands"},
	}, f.svc)
	if err != nil {
		t.Fatal(err)
	}
	app.Config.Handler = h
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	// Without a team, the sandbox's authorize page approves for its first
	// team, T1.
	resp, err := browser.Get(app.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestOAuthInstallStoresInstallationAndRefreshesScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		resp, body := f.install(t)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Bastion is installed") {
			t.Fatalf("callback answered %d: %s", resp.StatusCode, body)
		}
		in, err := f.store.Installation(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if in.TeamID != "T1" || in.EnterpriseID != "E1" || in.BotUserID != "UBOT" || in.InstallerUserID != "UADMINT1" ||
			!strings.HasPrefix(in.BotToken, "xoxb-T1-") || in.RefreshToken == "" || !in.TokenExpiresAt.Equal(f.now.Add(12*time.Hour)) ||
			!in.Active || !in.InstalledAt.Equal(f.now) {
			t.Fatalf("installation = %+v", in)
		}
		if in.Scopes.String() != "commands,chat:write" || !in.HasScopeRecord() {
			t.Fatalf("scopes = %s", in.Scopes)
		}
		// The admin grants more; a refresh on demand reads x-oauth-scopes.
		f.sb.SetScopes("T1", "chat:write", "commands", "reactions:read", "reactions:write", "brand:new")
		scopes, err := f.svc.RefreshScopes(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if !scopes.Has("reactions:write") || !scopes.Has("brand:new") {
			t.Fatalf("refreshed scopes = %s", scopes)
		}
		ok, err := f.svc.FeatureAvailable(ctx, "T1", slackapp.FeatureApprovalsByReaction)
		if err != nil || !ok {
			t.Fatalf("approvals available = %v, %v", ok, err)
		}
	})
}

func TestOAuthCallbackRejectsForgedAndExpiredState(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	if _, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{ClientID: "cid", ClientSecret: "csecret",
		StateSecret: []byte("state-secret-0123456789")}, f.svc); err == nil {
		t.Fatal("a handler without redirect url was accepted")
	}
	h, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{
		ClientID: "cid", ClientSecret: "csecret", RedirectURL: "http://app/slack/oauth/callback",
		AuthorizeURL: f.sb.URL() + "/oauth/v2/authorize", StateSecret: []byte("state-secret-0123456789"), StateTTL: time.Minute,
	}, f.svc)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slack/install", nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("install answered %d", rec.Code)
	}
	loc, _ := http.NewRequest(http.MethodGet, rec.Header().Get("Location"), nil)
	q := loc.URL.Query()
	if !strings.HasPrefix(rec.Header().Get("Location"), f.sb.URL()+"/oauth/v2/authorize?") || q.Get("client_id") != "cid" ||
		q.Get("redirect_uri") != "http://app/slack/oauth/callback" || !strings.Contains(q.Get("scope"), "reactions:write") || q.Get("state") == "" {
		t.Fatalf("redirect = %s", rec.Header().Get("Location"))
	}
	state := q.Get("state")
	cookie := rec.Result().Cookies()[0]
	call := func(state string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/slack/oauth/callback?code=whatever&state="+state, nil)
		r.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	// Another ending, never the issued one (which may end in "AA" itself).
	forged := state[:len(state)-2] + "AA"
	if forged == state {
		forged = state[:len(state)-2] + "BB"
	}
	if rec := call(forged); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "not issued here") {
		t.Fatalf("forged state: %d %s", rec.Code, rec.Body)
	}
	f.now = f.now.Add(2 * time.Minute)
	if rec := call(state); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "expired") {
		t.Fatalf("expired state: %d %s", rec.Code, rec.Body)
	}
	f.now = f.now.Add(-2 * time.Minute)
	if rec := call(state); rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "invalid_code") {
		t.Fatalf("bad code: %d %s", rec.Code, rec.Body)
	}
}

func TestMissingScopeRefreshesWholeTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		token, err := f.sb.InstallApp("T1", "chat:write")
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"T1", "T1-ops", "T1-finance"} {
			in := slackapp.Installation{ID: id, TeamID: "T1", BotToken: token, Active: true, Scopes: slackapp.ParseScopes("chat:write"), ScopesUpdatedAt: f.now}
			if err := f.store.SaveInstallation(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "general"}); err != nil {
			t.Fatal(err)
		}
		api := slack.New(token, slack.OptionAPIURL(f.sb.APIURL()))
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := f.svc.FeatureAvailable(ctx, "T1", slackapp.FeatureApprovalsByReaction); ok {
			t.Fatal("approvals available before the grant")
		}
		callErr := api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts))
		needed, err := f.svc.HandleMissingScope(ctx, "T1", callErr)
		if err != nil || !slices.Equal(needed, []string{"reactions:write"}) {
			t.Fatalf("handle missing scope = %v, %v", needed, err)
		}
		if needed, err := f.svc.HandleMissingScope(ctx, "T1", errors.New("channel_not_found")); needed != nil || err != nil {
			t.Fatalf("other errors are not missing_scope: %v %v", needed, err)
		}
		f.sb.SetScopes("T1", "chat:write", "reactions:write", "reactions:read")
		f.now = f.now.Add(time.Hour)
		if _, err := f.svc.HandleMissingScope(ctx, "T1", slack.SlackErrorResponse{Err: "missing_scope", Needed: "reactions:write"}); err != nil {
			t.Fatal(err)
		}
		records, _ := f.store.TeamInstallations(ctx, "T1")
		for _, in := range records {
			if !in.Scopes.Has("reactions:write") || !in.ScopesUpdatedAt.Equal(f.now) {
				t.Fatalf("record %s not refreshed: %+v", in.ID, in)
			}
		}
		if missing, _ := f.svc.MissingScopes(ctx, "T1", slackapp.FeatureApprovalsByReaction); len(missing) != 0 {
			t.Fatalf("still missing %v", missing)
		}
	})
}

func TestUninstallMarksInactive(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	for _, id := range []string{"T1", "T1-b"} {
		if err := f.store.SaveInstallation(ctx, slackapp.Installation{ID: id, TeamID: "T1", BotToken: "xoxb", Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := f.svc.IsActive(ctx, "T1"); !ok || err != nil {
		t.Fatalf("active before uninstall = %v, %v", ok, err)
	}
	if err := f.svc.MarkInactive(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.svc.IsActive(ctx, "T1"); ok || err != nil {
		t.Fatalf("active after uninstall = %v, %v", ok, err)
	}
	if _, err := f.svc.FeatureAvailable(ctx, "T1", slackapp.FeatureSlashCommands); !errors.Is(err, slackapp.ErrNotInstalled) {
		t.Fatalf("feature check on an uninstalled team: %v", err)
	}
	if _, err := f.svc.FeatureAvailable(ctx, "T1", "teleport"); !errors.Is(err, slackapp.ErrUnknownFeature) {
		t.Fatalf("unknown feature: %v", err)
	}
}

func TestFeatureAvailableFromStoreForEveryFeature(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	granted := "commands,chat:write,reactions:read,im:history,im:write,app_mentions:read,channels:history,users:read"
	if err := f.store.SaveInstallation(ctx, slackapp.Installation{ID: "T9", TeamID: "T9", BotToken: "xoxb-unused", Active: true,
		Scopes: slackapp.ParseScopes(granted), ScopesUpdatedAt: f.now}); err != nil {
		t.Fatal(err)
	}
	want := map[slackapp.Feature][]string{
		slackapp.FeatureSlashCommands:       nil,
		slackapp.FeatureNotifications:       {"chat:write.public"},
		slackapp.FeatureApprovalsByReaction: {"reactions:write"},
		slackapp.FeatureHelpInDM:            nil,
		slackapp.FeatureBotMentions:         nil,
		slackapp.FeatureChannelMessages:     {"groups:history"},
		slackapp.FeatureUserLookup:          nil,
		slackapp.FeatureChannelManagement:   {"channels:manage", "groups:write"},
		slackapp.FeatureDisplayNames:        {"channels:read", "groups:read", "team:read"},
	}
	for _, feature := range slackapp.Features() {
		missing, err := f.svc.MissingScopes(ctx, "T9", feature)
		ok, err2 := f.svc.FeatureAvailable(ctx, "T9", feature)
		if err != nil || err2 != nil || !slices.Equal(missing, want[feature]) || ok != (len(want[feature]) == 0) {
			t.Errorf("%s: missing %v available %v (%v %v), want missing %v", feature, missing, ok, err, err2, want[feature])
		}
	}
}

// A reinstall link naming a workspace installs into that workspace: the
// team goes to Slack's authorize page, which would otherwise install
// wherever the person last was.
func TestInstallLinkNamesTheWorkspace(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	resp, body := f.installPath(t, slackapp.InstallURLFor("/slack/install", "T2"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Workspace T2 is ready") {
		t.Fatalf("install of T2 answered %d: %s", resp.StatusCode, body)
	}
	if _, err := f.store.Installation(ctx, "T2"); err != nil {
		t.Fatalf("T2 after its install link: %v", err)
	}
	if _, err := f.store.Installation(ctx, "T1"); err == nil {
		t.Fatal("the install link of T2 installed T1")
	}
	for _, bad := range []string{"t2", "T2&scope=admin", "T2 ", strings.Repeat("T", 33)} {
		resp, body := f.installPath(t, "/slack/install?team="+url.QueryEscape(bad))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "workspace or organisation id") {
			t.Errorf("install link with team %q: %d %s", bad, resp.StatusCode, body)
		}
	}
	for in, want := range map[[2]string]string{
		{"/slack/install", "T2"}:                      "/slack/install?team=T2",
		{"https://b.example/slack/install?x=1", "E1"}: "https://b.example/slack/install?x=1&team=E1",
		{"", "T2"}:             "",
		{"/slack/install", ""}: "/slack/install",
	} {
		if got := slackapp.InstallURLFor(in[0], in[1]); got != want {
			t.Errorf("InstallURLFor(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
