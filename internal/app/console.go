package app

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/internal/config"
)

// consoleOf builds the admin console on the stores, served under the
// path of cfg.ConsoleURL (its Prefix). Votes, when set, lets people
// approve and reject pending requests from the console.
func consoleOf(st *Stores, cfg config.Config, votes console.ApprovalVoter, log *slog.Logger) (*console.Console, error) {
	url := strings.TrimSuffix(cfg.ConsoleURL, "/")
	prefix := "/console"
	if i := strings.Index(strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"), "/"); i >= 0 {
		prefix = strings.TrimSuffix(url[strings.Index(url, "//")+2+i:], "/")
	}
	opts := console.Options{Engine: st.Engine, Prefix: prefix, SecureCookies: strings.HasPrefix(url, "https://"), Logger: log,
		Slack: &console.SlackSignIn{ClientID: cfg.SlackClientID, ClientSecret: cfg.SlackClientSecret,
			RedirectURL: consoleSignInRedirect(cfg), APIURL: cfg.SlackAPIURL, TeamID: cfg.SlackTeamID},
		Approvals: console.BotApprovals{Store: st.Bot}, Names: st.Names, Votes: votes}
	if cfg.SessionKey != "" {
		opts.SessionKey, _ = hex.DecodeString(cfg.SessionKey)
	}
	if st.Installations != nil {
		opts.Installations = st.Installations
	}
	c, err := console.New(opts)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return c, nil
}
