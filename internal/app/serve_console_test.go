package app

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// serve with BASTION_CONSOLE_URL serves the console under that URL's path,
// offering Sign in with Slack, next to the permission service.
func TestServeMountsTheConsole(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	cfg.ConsoleURL, cfg.SlackClientID, cfg.SlackClientSecret = "https://bastion.example.com/admin/", "cid", "secret"
	cfg.SessionKey = strings.Repeat("ab", 16)
	logs := &lockedBuffer{}
	addr, _ := startServe(t, cfg, Options{}, ServeHooks{}, logs)

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
