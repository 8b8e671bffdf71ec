package app

import (
	"strings"

	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/internal/config"
)

// SlackRedirectURLs lists every OAuth redirect URL serve sends Slack with
// cfg: the install flow's callback (SLACK_REDIRECT_URL) and the console's
// Sign in with Slack callback. Slack refuses a redirect_uri its app does
// not list, so the app (and the manifest it is created from) must list
// each of them.
func SlackRedirectURLs(cfg config.Config) []string {
	var out []string
	if cfg.InstallFlowEnabled() {
		out = append(out, cfg.SlackRedirectURL)
	}
	if u := consoleSignInRedirect(cfg); u != "" {
		out = append(out, u)
	}
	return out
}

// consoleSignInRedirect is the console's Sign in with Slack callback, ""
// when there is no console.
func consoleSignInRedirect(cfg config.Config) string {
	if !cfg.ConsoleEnabled() {
		return ""
	}
	return strings.TrimSuffix(cfg.ConsoleURL, "/") + console.SignInCallbackPath
}
