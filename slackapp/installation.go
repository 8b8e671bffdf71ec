package slackapp

import (
	"context"
	"errors"
	"time"
)

// ErrNotInstalled is returned when a team has no active installation.
var ErrNotInstalled = errors.New("slack app not installed")

// Installation is one installation record of the app. A team may have
// several (one per bot configuration or channel binding); they share the
// bot token and the granted scopes.
type Installation struct {
	ID           string
	TeamID       string
	EnterpriseID string
	// EnterpriseInstall is set for org-wide installs.
	EnterpriseInstall bool
	AppID             string
	BotUserID         string
	// BotToken is plaintext in memory; stores keep it encrypted.
	BotToken string
	// RefreshToken and TokenExpiresAt are set when token rotation is on.
	RefreshToken    string
	TokenExpiresAt  time.Time
	InstallerUserID string
	InstalledAt     time.Time
	Scopes          Scopes
	// ScopesUpdatedAt is zero while no scope record exists.
	ScopesUpdatedAt time.Time
	Active          bool
}

// HasScopeRecord reports whether the granted scopes were ever recorded.
func (in Installation) HasScopeRecord() bool { return !in.ScopesUpdatedAt.IsZero() }

// Store keeps installations. Implementations encrypt tokens at rest.
type Store interface {
	// SaveInstallation inserts or replaces the record with in.ID.
	SaveInstallation(ctx context.Context, in Installation) error
	// Installation loads one record; errors wrap ErrNotInstalled when absent.
	Installation(ctx context.Context, id string) (Installation, error)
	// TeamInstallations lists a team's records by id.
	TeamInstallations(ctx context.Context, teamID string) ([]Installation, error)
	// ListInstallations lists every record ordered by team and id.
	ListInstallations(ctx context.Context) ([]Installation, error)
	// UpdateTeamScopes sets the scopes of every record of a team in one
	// statement and returns how many records changed.
	UpdateTeamScopes(ctx context.Context, teamID string, scopes Scopes, at time.Time) (int64, error)
	// SetTeamActive marks every record of a team active or inactive.
	SetTeamActive(ctx context.Context, teamID string, active bool) (int64, error)
	// PendingScopes lists up to limit records with a token but no scope
	// record whose id is greater than afterID, by id.
	PendingScopes(ctx context.Context, afterID string, limit int) ([]Installation, error)
	// CountPendingScopes counts the records PendingScopes would walk.
	CountPendingScopes(ctx context.Context, afterID string) (int, error)
	// Cursor reads a named progress cursor ("" when none).
	Cursor(ctx context.Context, name string) (string, error)
	// SetCursor records a named progress cursor.
	SetCursor(ctx context.Context, name, value string) error
}
