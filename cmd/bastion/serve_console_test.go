package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func TestConsoleConfigIsCheckedBeforeServing(t *testing.T) {
	for _, c := range []struct {
		cfg  consoleConfig
		want string
	}{
		{consoleConfig{}, ""},
		{consoleConfig{URL: "https://b.example.com/console", ClientID: "c", ClientSecret: "s"}, ""},
		{consoleConfig{URL: "https://b.example.com/console"}, "needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"},
		{consoleConfig{URL: "b.example.com/console", ClientID: "c", ClientSecret: "s"}, "not an http(s) address"},
		{consoleConfig{URL: "https://b.example.com/console", ClientID: "c", ClientSecret: "s", SessionKey: "abcd"}, "at least 32 hex digits"},
	} {
		err := c.cfg.validate()
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("validate(%+v) = %v, want %q", c.cfg, err, c.want)
		}
	}
}

// serve with BASTION_CONSOLE_URL serves the console under that URL's path,
// offering Sign in with Slack, next to the permission service.
func TestServeMountsTheConsole(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "bastion.db")
	if out, code := runCLI(t, dbURL, "", "demo-data"); code != 0 {
		t.Fatalf("demo-data: %d %s", code, out)
	}
	logs := &lockedBuffer{}
	a := &app{dbURL: dbURL, stdout: logs, stderr: logs}
	cfg := consoleConfigFromEnv(func(k string) string {
		return map[string]string{envConsoleURL: "https://bastion.example.com/admin/", envSlackClientID: "cid",
			envSlackClientSecret: "secret", envSessionKey: strings.Repeat("ab", 16)}[k]
	})
	addr, _ := startServe(t, a, &serveOptions{addr: "127.0.0.1:0", apiKeys: []string{"k"}, console: cfg}, logs)

	resp, err := http.Get("http://" + addr + "/admin/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `href="/admin/signin/slack"`) {
		t.Fatalf("GET /admin/signin: %s\n%s", resp.Status, body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get("http://" + addr + "/admin/signin/slack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "https://slack.com/openid/connect/authorize?") || !strings.Contains(loc, "client_id=cid") ||
		!strings.Contains(loc, "redirect_uri=https%3A%2F%2Fbastion.example.com%2Fadmin%2Fsignin%2Fslack%2Fcallback") {
		t.Fatalf("sign in with Slack redirects to %q", loc)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz next to the console: %v %v", resp, err)
	}
}
