// Package teamchat gives the bot the Slack client of the workspace an
// event came from. Each workspace that installed the app through OAuth has
// its own bot token in the installation store (slackapp); a token of one
// workspace cannot post in another's channels. Source looks the token up
// on every call, so a reinstall (new token) or an uninstall takes effect
// at once, and keeps one client per workspace for as long as its token
// stays the same. A Cache in front of the store saves those reads for a
// short TTL, forgetting a team at once when this process uninstalls it.
//
// Org-wide (Enterprise Grid) installs are stored under the enterprise id,
// while events name the workspace and, for a workspace of an organisation,
// the organisation (slackbot.Workspace): a workspace without a record of
// its own uses the org-wide install of the organisation its events name,
// as Bolt's installation query does, and the fallback token otherwise. A
// Source remembers the organisation each workspace's events named, for
// the calls that name none (a command's ClientFor, the sweeps of the
// approval workflow).
package teamchat

import (
	"context"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/slackapp"
)

// Installations lists a workspace's installation records with their bot
// tokens; slackapp.Store is one.
type Installations interface {
	TeamInstallations(ctx context.Context, teamID string) ([]slackapp.Installation, error)
}

// Options configure a Source.
type Options struct {
	// Installations holds each workspace's bot token. When nil every
	// workspace gets FallbackToken.
	Installations Installations
	// FallbackToken answers workspaces without any installation record:
	// the single token of a setup configured with SLACK_BOT_TOKEN only.
	// When empty such workspaces have no client (slackbot.ErrNoChat).
	FallbackToken string
	// Chat configures every client (Web API base, retries).
	Chat slackbot.SlackChatOptions
}

// Source picks the Slack client of a workspace from its active
// installation. It implements slackbot.ChatSource and
// slackbot.BotUserSource.
type Source struct {
	opts     Options
	fallback *client
	mu       sync.Mutex
	byTeam   map[string]*client
	// orgOf is the organisation each workspace's events named.
	orgOf map[string]string
}

var (
	_ slackbot.ChatSource    = (*Source)(nil)
	_ slackbot.BotUserSource = (*Source)(nil)
)

// client is the clients of one bot token, and the bot user it acts as
// ("" for the fallback token, whose user the caller knows).
type client struct {
	token   string
	botUser string
	chat    *slackbot.SlackChat
	api     *slack.Client
}

// New returns a Source; it needs Installations or FallbackToken.
func New(opts Options) (*Source, error) {
	if opts.Installations == nil && opts.FallbackToken == "" {
		return nil, errors.New("teamchat: Installations or FallbackToken is required")
	}
	if opts.Chat.APIURL == "" {
		opts.Chat.APIURL = slack.APIURL
	}
	s := &Source{opts: opts, byTeam: map[string]*client{}, orgOf: map[string]string{}}
	if opts.FallbackToken != "" {
		s.fallback = s.newClient(opts.FallbackToken, "")
	}
	return s, nil
}

func (s *Source) newClient(token, botUser string) *client {
	return &client{token: token, botUser: botUser, chat: slackbot.NewSlackChat(token, s.opts.Chat),
		api: slack.New(token, slack.OptionAPIURL(s.opts.Chat.APIURL), slack.OptionHTTPClient(&http.Client{Timeout: callTimeout(s.opts.Chat)}))}
}

// callTimeout bounds each Web API request of the clients commands get.
func callTimeout(o slackbot.SlackChatOptions) time.Duration {
	if o.CallTimeout > 0 {
		return o.CallTimeout
	}
	return slackbot.DefaultSlackCallTimeout
}

// ChatFor returns the client replies in ws go through.
func (s *Source) ChatFor(ctx context.Context, ws slackbot.Workspace) (slackbot.Chat, error) {
	c, err := s.client(ctx, ws)
	if err != nil {
		return nil, err
	}
	return c.chat, nil
}

// SlackChatFor returns teamID's client with everything it can do: the
// approval workflow posts and edits Block Kit messages and reads
// reactions through it.
func (s *Source) SlackChatFor(ctx context.Context, ws slackbot.Workspace) (*slackbot.SlackChat, error) {
	c, err := s.client(ctx, ws)
	if err != nil {
		return nil, err
	}
	return c.chat, nil
}

// ClientFor returns a slack-go client with teamID's token, for commands
// that call other Web API methods; the workspace's organisation is the one
// its events named.
func (s *Source) ClientFor(ctx context.Context, teamID string) (*slack.Client, error) {
	c, err := s.client(ctx, slackbot.Workspace{TeamID: teamID})
	if err != nil {
		return nil, err
	}
	return c.api, nil
}

// BotUserFor returns the bot's user id in ws as its installation
// recorded it, "" for a workspace answered with the fallback token.
func (s *Source) BotUserFor(ctx context.Context, ws slackbot.Workspace) (string, error) {
	c, err := s.client(ctx, ws)
	if err != nil {
		return "", err
	}
	return c.botUser, nil
}

// client finds ws's token and returns its clients, reusing the cached
// ones while the token is unchanged.
func (s *Source) client(ctx context.Context, ws slackbot.Workspace) (*client, error) {
	if s.opts.Installations == nil {
		return s.fallback, nil
	}
	teamID := ws.TeamID
	list, err := s.installations(ctx, s.remember(ws))
	if err != nil {
		return nil, err
	}
	in, ok := activeRecord(list)
	if !ok {
		s.forget(teamID)
		switch {
		case len(list) > 0:
			return nil, fmt.Errorf("teamchat: team %s: installation inactive: %w (%w)", teamID, slackbot.ErrNoChat, slackapp.ErrNotInstalled)
		case s.fallback != nil:
			return s.fallback, nil
		default:
			return nil, fmt.Errorf("teamchat: team %s: %w (%w)", teamID, slackbot.ErrNoChat, slackapp.ErrNotInstalled)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byTeam[teamID]
	if c == nil || c.token != in.BotToken || c.botUser != in.BotUserID {
		c = s.newClient(in.BotToken, in.BotUserID)
		s.byTeam[teamID] = c
	}
	return c, nil
}

// remember records the organisation ws names for its workspace, or fills
// in the one remembered when ws names none.
func (s *Source) remember(ws slackbot.Workspace) slackbot.Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ws.EnterpriseID == "" {
		ws.EnterpriseID = s.orgOf[ws.TeamID]
	} else if ws.EnterpriseID != ws.TeamID {
		s.orgOf[ws.TeamID] = ws.EnterpriseID
	}
	return ws
}

// installations lists the records that hold ws's token: its own, or when
// it has none, the org-wide install of its organisation.
func (s *Source) installations(ctx context.Context, ws slackbot.Workspace) ([]slackapp.Installation, error) {
	teamID, enterprise := ws.TeamID, ws.EnterpriseID
	list, err := s.opts.Installations.TeamInstallations(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("teamchat: installations of team %s: %w", teamID, err)
	}
	if len(list) > 0 || enterprise == "" || enterprise == teamID {
		return list, nil
	}
	org, err := s.opts.Installations.TeamInstallations(ctx, enterprise)
	if err != nil {
		return nil, fmt.Errorf("teamchat: installations of enterprise %s: %w", enterprise, err)
	}
	var out []slackapp.Installation
	for _, in := range org {
		if in.EnterpriseInstall {
			out = append(out, in)
		}
	}
	return out, nil
}

// forget drops a workspace's cached clients.
func (s *Source) forget(teamID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byTeam, teamID)
}

// activeRecord is the first active record with a bot token.
func activeRecord(list []slackapp.Installation) (slackapp.Installation, bool) {
	for _, in := range list {
		if in.Active && in.BotToken != "" {
			return in, true
		}
	}
	return slackapp.Installation{}, false
}
