package app

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/config"
)

// exampleOptions is a binary with the example back office as its own
// commands, their demo rows included, as examples/backoffice builds it.
var exampleOptions = Options{Sources: []CommandSource{func(ctx context.Context, d Deps) ([]bot.Command, error) {
	d.Demo = true
	return ExampleCommands(ctx, d)
}}}

// demoConfig is the default configuration on dbURL, which it fills with
// the demo organisation, with an API key.
func demoConfig(t *testing.T, dbURL string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DB, cfg.Addr, cfg.APIKeys = dbURL, "127.0.0.1:0", []string{"k"}
	engine, db, err := OpenEngine(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := demo.Load(context.Background(), engine); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// withInstallFlow configures the bot with token and secret against a
// sandbox at apiURL, and the install flow with its callback under base.
func withInstallFlow(cfg *config.Config, token, secret, apiURL, base string) {
	cfg.SlackBotToken, cfg.SlackSigningSecret, cfg.SlackAPIURL = token, secret, apiURL
	cfg.SlackClientID, cfg.SlackClientSecret, cfg.SlackRedirectURL = "cid", "csecret", base+"/slack/oauth/callback"
	cfg.EncryptionKey = strings.Repeat("ab", 32)
}
