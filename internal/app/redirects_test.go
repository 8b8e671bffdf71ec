package app_test

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/deploy/slackmanifest"
	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/slackapp"
)

// The app manifest lists every redirect URL serve sends Slack, for the
// addresses the README's "Running against Slack" sets: an app created
// from it installs through /slack/install and signs people in to the
// console with Slack. The Socket Mode manifest names no address; its
// instructions say which paths to add for the install flow and the
// console's sign-in.
func TestManifestsCoverEveryRedirectURL(t *testing.T) {
	cfg := config.Default()
	cfg.SlackClientID, cfg.SlackClientSecret = "cid", "csecret"
	cfg.SlackRedirectURL = "https://bastion.example.com" + slackapp.CallbackPath
	cfg.ConsoleURL = "https://bastion.example.com/console"
	used := app.SlackRedirectURLs(cfg)
	if len(used) != 2 {
		t.Fatalf("redirect URLs %v: want the install callback and the console's sign-in", used)
	}
	var m struct {
		OAuth struct {
			Redirects []string `yaml:"redirect_urls"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(slackmanifest.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	for _, u := range used {
		if !slices.Contains(m.OAuth.Redirects, u) {
			t.Errorf("manifest.yaml lacks redirect URL %s (it has %v)", u, m.OAuth.Redirects)
		}
	}
	for _, path := range []string{slackapp.CallbackPath, console.SignInCallbackPath} {
		if !strings.Contains(string(slackmanifest.SocketMode), path) {
			t.Errorf("the Socket Mode manifest does not say to add a redirect URL ending in %s", path)
		}
	}
}
