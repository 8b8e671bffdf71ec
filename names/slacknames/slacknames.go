// Package slacknames fills Bastion's name directory from Slack: users.info,
// conversations.info and team.info, each called with the bot token of the
// workspace's own installation, and the user_change, channel_rename,
// group_rename and team_rename events, which carry the new names.
//
// The directory is the cache: a name is read from Slack only when the
// directory lacks it or learned it more than MaxAge ago, an id Slack does
// not know is not asked about again before MaxAge, and names set by hand
// (pinned) are never replaced. Names only label ids; nothing here decides
// anything.
package slacknames

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/names"
)

// Defaults of Options.
const (
	DefaultAPIURL = "https://slack.com/api/"
	DefaultMaxAge = 24 * time.Hour
	// DefaultRetries is how many times a call Slack rate-limits is tried
	// again, after the Retry-After it names.
	DefaultRetries = 3
)

// Tokens gives the bot token of a workspace's installation.
type Tokens interface {
	// BotToken fails when the workspace has no installation with a
	// token.
	BotToken(ctx context.Context, teamID string) (string, error)
}

// TokensFunc adapts a function to Tokens.
type TokensFunc func(ctx context.Context, teamID string) (string, error)

// BotToken calls f.
func (f TokensFunc) BotToken(ctx context.Context, teamID string) (string, error) {
	return f(ctx, teamID)
}

// Options configure a Filler; Directory and Tokens are required.
type Options struct {
	Directory names.Directory
	Tokens    Tokens
	// APIURL is the Web API base with a trailing slash (default
	// https://slack.com/api/; a sandbox's APIURL in development).
	APIURL string
	// HTTPClient calls Slack (default a client with a 30 s timeout).
	HTTPClient *http.Client
	// MaxAge is how long a learned name is used before it is read again
	// (default 24 h); events replace names at once.
	MaxAge time.Duration
	// Retries is how many times a rate-limited call is tried again
	// (default 3).
	Retries int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Filler reads names from Slack into the directory.
type Filler struct {
	opts Options
	log  *slog.Logger

	mu sync.Mutex
	// unknown holds ids Slack did not know, until when not to ask again.
	unknown map[names.Key]time.Time
}

// New checks opts and returns a Filler.
func New(opts Options) (*Filler, error) {
	if opts.Directory == nil || opts.Tokens == nil {
		return nil, errors.New("slack names: Directory and Tokens are required")
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Filler{opts: opts, log: opts.Logger.With("component", "slack names"), unknown: map[names.Key]time.Time{}}, nil
}

// Fill makes sure the directory holds current names for keys, all of
// workspace teamID (its users, its channels, the workspace itself, its
// enterprise): those it lacks, or learned more than MaxAge ago, are read
// from Slack with teamID's token and learned. It returns how many names
// it learned. It goes on past an id that fails and returns the failures
// joined; an id Slack does not know is not an error.
func (f *Filler) Fill(ctx context.Context, teamID string, keys []names.Key) (int, error) {
	have, err := f.opts.Directory.Lookup(ctx, keys)
	if err != nil {
		return 0, fmt.Errorf("fill names of %s: %w", teamID, err)
	}
	now := f.opts.Now()
	var todo []names.Key
	seen := map[names.Key]bool{}
	for _, k := range keys {
		if seen[k] || k.ID == "" {
			continue
		}
		seen[k] = true
		if e, ok := have[k]; ok && (e.Pinned || now.Sub(e.UpdatedAt) < f.opts.MaxAge) {
			continue
		}
		if f.knownUnknown(k, now) {
			continue
		}
		todo = append(todo, k)
	}
	if len(todo) == 0 {
		return 0, nil
	}
	token, err := f.opts.Tokens.BotToken(ctx, teamID)
	if err != nil {
		return 0, fmt.Errorf("fill names of %s: %w", teamID, err)
	}
	api := slack.New(token, slack.OptionAPIURL(f.opts.APIURL), slack.OptionHTTPClient(f.opts.HTTPClient), slack.OptionRetry(f.opts.Retries))
	var learned []names.Entry
	var errs []error
	for _, k := range todo {
		e, err := f.read(ctx, api, token, teamID, k)
		switch {
		case errors.Is(err, errUnknown):
			f.markUnknown(k, now)
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		case e.Name != "":
			learned = append(learned, e)
		}
		if ctx.Err() != nil {
			break
		}
	}
	n, err := f.opts.Directory.Learn(ctx, learned)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("fill names of %s: %w", teamID, errors.Join(errs...))
	}
	return n, nil
}

// errUnknown marks an id Slack does not know (or will not name).
var errUnknown = errors.New("not known to Slack")

func (f *Filler) knownUnknown(k names.Key, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	until, ok := f.unknown[k]
	if ok && now.After(until) {
		delete(f.unknown, k)
		return false
	}
	return ok
}

func (f *Filler) markUnknown(k names.Key, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unknown[k] = now.Add(f.opts.MaxAge)
}

// read asks Slack for one name.
func (f *Filler) read(ctx context.Context, api *slack.Client, token, teamID string, k names.Key) (names.Entry, error) {
	switch k.Kind {
	case names.User:
		u, err := api.GetUserInfoContext(ctx, k.ID)
		if err != nil {
			return names.Entry{}, unknownIf(err, "user_not_found", "user_not_visible")
		}
		return userEntry(teamID, *u), nil
	case names.Channel:
		ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: k.ID})
		if err != nil {
			return names.Entry{}, unknownIf(err, "channel_not_found")
		}
		if ch.IsIM || ch.IsMpIM {
			return names.Entry{}, errUnknown // a conversation without a name
		}
		return names.Entry{Kind: names.Channel, ID: k.ID, Name: names.Clean(ch.Name), TeamID: teamID, Source: names.FromSlack}, nil
	case names.Team, names.Enterprise:
		info, err := f.teamInfo(ctx, token, k)
		if err != nil {
			return names.Entry{}, err
		}
		if k.Kind == names.Team {
			return names.Entry{Kind: names.Team, ID: k.ID, Name: names.Clean(info.Name), Handle: names.Clean(info.Domain), TeamID: k.ID, Source: names.FromSlack}, nil
		}
		if info.EnterpriseID != k.ID {
			return names.Entry{}, errUnknown // the workspace is not of that enterprise
		}
		return names.Entry{Kind: names.Enterprise, ID: k.ID, Name: names.Clean(info.EnterpriseName), Source: names.FromSlack}, nil
	}
	return names.Entry{}, fmt.Errorf("%w: unknown kind %q", names.ErrInvalid, k.Kind)
}

// userEntry names a Slack user: the real name, else the display name,
// else the user name; the display name (or user name) is the handle.
func userEntry(teamID string, u slack.User) names.Entry {
	name := firstOf(u.RealName, u.Profile.RealName, u.Profile.DisplayName, u.Name)
	handle := firstOf(u.Profile.DisplayName, u.Name)
	if handle == name {
		handle = ""
	}
	if u.TeamID != "" {
		teamID = u.TeamID
	}
	return names.Entry{Kind: names.User, ID: u.ID, Name: name, Handle: handle, TeamID: teamID, Source: names.FromSlack}
}

func firstOf(list ...string) string {
	for _, s := range list {
		if c := names.Clean(s); c != "" {
			return c
		}
	}
	return ""
}

// unknownIf turns the Slack errors that mean "no such id" into
// errUnknown.
func unknownIf(err error, codes ...string) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		for _, c := range codes {
			if se.Err == c {
				return errUnknown
			}
		}
	}
	return err
}

// teamInfo is a workspace as team.info describes it; slack-go's TeamInfo
// leaves out the organisation fields, so this call decodes them itself.
type teamInfo struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Domain         string `json:"domain"`
	EnterpriseID   string `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
}

type teamInfoAnswer struct {
	OK    bool     `json:"ok"`
	Error string   `json:"error"`
	Team  teamInfo `json:"team"`
}

// teamInfo calls team.info about a workspace (k a team) or about the
// token's own workspace (k an enterprise), retrying when rate-limited.
func (f *Filler) teamInfo(ctx context.Context, token string, k names.Key) (teamInfo, error) {
	var out teamInfo
	form := url.Values{}
	if k.Kind == names.Team {
		form.Set("team", k.ID)
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.opts.APIURL+"team.info", strings.NewReader(form.Encode()))
		if err != nil {
			return out, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := f.opts.HTTPClient.Do(req)
		if err != nil {
			return out, fmt.Errorf("team.info: %w", err)
		}
		var a teamInfoAnswer
		decodeErr := json.NewDecoder(http.MaxBytesReader(nil, res.Body, 1<<20)).Decode(&a)
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests && attempt < f.opts.Retries {
			wait := time.Second
			if s, err := time.ParseDuration(res.Header.Get("Retry-After") + "s"); err == nil && s > 0 {
				wait = s
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return out, ctx.Err()
			case <-t.C:
			}
			continue
		}
		switch {
		case decodeErr != nil:
			return out, fmt.Errorf("team.info: HTTP %d: %w", res.StatusCode, decodeErr)
		case a.Error == "team_not_found":
			return out, errUnknown
		case !a.OK:
			return out, fmt.Errorf("team.info: %s", a.Error)
		}
		return a.Team, nil
	}
}
