package slackmanifest_test

import (
	"bytes"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/deploy/slackmanifest"
	"github.com/bastionhq/bastion/slackapp"
)

type manifest struct {
	OAuth struct {
		Redirects []string `yaml:"redirect_urls"`
		Scopes    struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			URL    string   `yaml:"request_url"`
			Events []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled bool   `yaml:"is_enabled"`
			URL     string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func load(t *testing.T) manifest {
	t.Helper()
	return decode(t, slackmanifest.Manifest)
}

func decode(t *testing.T, text []byte) manifest {
	t.Helper()
	var m manifest
	if err := yaml.Unmarshal(text, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return m
}

// The Socket Mode manifest asks for what the other one asks for, plus
// what dev --slack reads the workspace's channels with, subscribes to the
// same events, and names no address: there is nothing to replace.
func TestSocketModeManifestNeedsNoAddress(t *testing.T) {
	m, s := load(t), decode(t, slackmanifest.SocketMode)
	if !s.Settings.SocketMode || m.Settings.SocketMode {
		t.Errorf("socket_mode_enabled: %v in the Socket Mode manifest, %v in the other", s.Settings.SocketMode, m.Settings.SocketMode)
	}
	for _, sc := range append(slices.Clone(m.OAuth.Scopes.Bot), "channels:read", "groups:read", "users:read") {
		if !slices.Contains(s.OAuth.Scopes.Bot, sc) {
			t.Errorf("the Socket Mode manifest lacks scope %s", sc)
		}
	}
	for _, sc := range s.OAuth.Scopes.Bot {
		if _, ok := slackapp.LookupScope(sc); !ok {
			t.Errorf("the Socket Mode manifest asks for %s, a scope Bastion does not know", sc)
		}
	}
	if !slices.Equal(s.Settings.Events.Events, m.Settings.Events.Events) {
		t.Errorf("events %v, want those of the other manifest %v", s.Settings.Events.Events, m.Settings.Events.Events)
	}
	if !s.Settings.Interactivity.Enabled {
		t.Error("interactivity (approval buttons) is off")
	}
	if bytes.Contains(slackmanifest.SocketMode, []byte("example.com")) || s.Settings.Events.URL != "" || s.Settings.Interactivity.URL != "" || len(s.OAuth.Redirects) != 0 {
		t.Errorf("the Socket Mode manifest names an address: %+v", s)
	}
}

// Every scope a feature needs is requested, so a fresh install has every
// feature available.
func TestManifestRequestsEveryFeatureScope(t *testing.T) {
	m := load(t)
	for _, s := range slackapp.AllFeatureScopes() {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("manifest lacks scope %s", s)
		}
	}
	for _, s := range m.OAuth.Scopes.Bot {
		if _, ok := slackapp.LookupScope(s); !ok {
			t.Errorf("manifest asks for %s, a scope Bastion does not know", s)
		}
	}
}

// The events the bot consumes are subscribed, and the endpoints are the
// ones bastion serve mounts.
func TestManifestSubscribesToTheBotsEvents(t *testing.T) {
	m := load(t)
	for _, ev := range []string{"app_mention", "message.channels", "message.groups", "message.im",
		"reaction_added", "reaction_removed", "app_uninstalled", "tokens_revoked"} {
		if !slices.Contains(m.Settings.Events.Events, ev) {
			t.Errorf("manifest does not subscribe to %s", ev)
		}
	}
	for path, url := range map[string]string{
		"/slack/events":         m.Settings.Events.URL,
		"/slack/interactions":   m.Settings.Interactivity.URL,
		"/slack/oauth/callback": m.OAuth.Redirects[0],
	} {
		if url != "https://bastion.example.com"+path {
			t.Errorf("endpoint %s: manifest says %q", path, url)
		}
	}
	if !m.Settings.Interactivity.Enabled {
		t.Error("interactivity (approval buttons) is off")
	}
}
