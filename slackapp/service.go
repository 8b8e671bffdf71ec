package slackapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// DefaultAPIURL is Slack's Web API base, as slack-go expects it.
const DefaultAPIURL = "https://slack.com/api/"

// ServiceOptions configure a Service. Zero values get defaults.
type ServiceOptions struct {
	// APIURL is the Web API base with a trailing slash (the sandbox's APIURL in tests).
	APIURL     string
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
}

// Service answers what a team granted and keeps it current.
type Service struct {
	store  Store
	apiURL string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
}

// NewService builds a Service over a store.
func NewService(store Store, opts ServiceOptions) *Service {
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{store: store, apiURL: opts.APIURL, client: opts.HTTPClient, now: opts.Now, log: opts.Logger}
}

// Store is the installation store the service uses.
func (s *Service) Store() Store { return s.store }

// activeInstallation returns a team's first active record.
func (s *Service) activeInstallation(ctx context.Context, teamID string) (Installation, error) {
	list, err := s.store.TeamInstallations(ctx, teamID)
	if err != nil {
		return Installation{}, err
	}
	if in, ok := ActiveInstallation(list); ok {
		return in, nil
	}
	return Installation{}, fmt.Errorf("team %s: %w", teamID, ErrNotInstalled)
}

// ActiveInstallation returns the active record among a team's
// installation records: a team is installed while one of them is active.
func ActiveInstallation(list []Installation) (Installation, bool) {
	for _, in := range list {
		if in.Active {
			return in, true
		}
	}
	return Installation{}, false
}

// TeamScopes returns what a team granted, from the store. A team without
// a scope record yet has granted nothing as far as Bastion knows.
func (s *Service) TeamScopes(ctx context.Context, teamID string) (Scopes, error) {
	in, err := s.activeInstallation(ctx, teamID)
	if err != nil {
		return Scopes{}, fmt.Errorf("scopes of team %s: %w", teamID, err)
	}
	return in.Scopes, nil
}

// MissingScopes lists the scopes a feature needs that the team did not
// grant, answering from the store without calling Slack.
func (s *Service) MissingScopes(ctx context.Context, teamID string, f Feature) ([]string, error) {
	if _, err := FeatureScopes(f); err != nil {
		return nil, err
	}
	granted, err := s.TeamScopes(ctx, teamID)
	if err != nil {
		return nil, err
	}
	return Missing(granted, f)
}

// FeatureAvailable reports whether the team granted every scope f needs.
func (s *Service) FeatureAvailable(ctx context.Context, teamID string, f Feature) (bool, error) {
	missing, err := s.MissingScopes(ctx, teamID, f)
	if err != nil {
		return false, err
	}
	return len(missing) == 0, nil
}

// FetchScopes calls auth.test with token and returns the scopes Slack
// lists in the x-oauth-scopes response header. slack-go's AuthTest result
// does not carry headers, so the client is built with
// slack.OptionOnResponseHeaders, which hands over each response's headers.
func (s *Service) FetchScopes(ctx context.Context, token string) (Scopes, error) {
	var header string
	var seen bool
	api := slack.New(token, slack.OptionAPIURL(s.apiURL), slack.OptionHTTPClient(s.client),
		slack.OptionOnResponseHeaders(func(path string, h http.Header) {
			if v, ok := h[http.CanonicalHeaderKey("X-OAuth-Scopes")]; ok && path == "auth.test" {
				header, seen = strings.Join(v, ","), true
			}
		}))
	if _, err := api.AuthTestContext(ctx); err != nil {
		return Scopes{}, fmt.Errorf("auth.test: %w", err)
	}
	if !seen {
		return Scopes{}, fmt.Errorf("auth.test: no x-oauth-scopes header in the answer")
	}
	return ParseScopes(header), nil
}

// RefreshScopes reads a team's granted scopes from Slack and records them
// on every record of the team at once.
func (s *Service) RefreshScopes(ctx context.Context, teamID string) (Scopes, error) {
	in, err := s.activeInstallation(ctx, teamID)
	if err != nil {
		return Scopes{}, fmt.Errorf("refresh scopes: %w", err)
	}
	scopes, err := s.FetchScopes(ctx, in.BotToken)
	if err != nil {
		return Scopes{}, fmt.Errorf("refresh scopes of team %s: %w", teamID, err)
	}
	if _, err := s.store.UpdateTeamScopes(ctx, teamID, scopes, s.now()); err != nil {
		return Scopes{}, fmt.Errorf("refresh scopes: %w", err)
	}
	s.log.Info("slack scopes refreshed", "team", teamID, "scopes", scopes.String())
	return scopes, nil
}

// HandleMissingScope looks at the error of a Slack call made for a team.
// When it is missing_scope, it refreshes the team's scopes and returns the
// scopes Slack said were needed; otherwise it returns nil, nil.
func (s *Service) HandleMissingScope(ctx context.Context, teamID string, callErr error) ([]string, error) {
	var resp slack.SlackErrorResponse
	if !errors.As(callErr, &resp) || resp.Err != "missing_scope" {
		return nil, nil
	}
	needed := ParseScopes(resp.Needed).Names()
	s.log.Warn("slack call lacked a scope", "team", teamID, "needed", resp.Needed, "provided", resp.Provided)
	if _, err := s.RefreshScopes(ctx, teamID); err != nil {
		return needed, fmt.Errorf("after missing_scope: %w", err)
	}
	return needed, nil
}

// MarkInactive marks every installation of a team inactive, as on
// app_uninstalled and tokens_revoked.
func (s *Service) MarkInactive(ctx context.Context, teamID string) error {
	n, err := s.store.SetTeamActive(ctx, teamID, false)
	if err != nil {
		return err
	}
	s.log.Info("slack installation inactive", "team", teamID, "records", n)
	return nil
}

// IsActive reports whether the team has an active installation.
func (s *Service) IsActive(ctx context.Context, teamID string) (bool, error) {
	_, err := s.activeInstallation(ctx, teamID)
	if errors.Is(err, ErrNotInstalled) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("is team %s active: %w", teamID, err)
	}
	return true, nil
}
