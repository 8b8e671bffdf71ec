package installsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Sealer encrypts and decrypts tokens (slackapp.TokenSealer).
type Sealer interface {
	Seal(token string) (string, error)
	Open(sealed string) (string, error)
}

// Store is the SQL implementation of slackapp.Store.
type Store struct {
	db     *sqldb.DB
	sealer Sealer
}

var _ slackapp.Store = (*Store)(nil)

// Tables lists the tables the installation store creates: on Vitess, tables of the
// unsharded keyspace (deploy/vitess), which Open checks before migrating.
func Tables() []string { return sqldb.CreatedTables(migrations(), sqldb.MySQL) }

// Open migrates the installation tables and returns a store over db.
func Open(ctx context.Context, db *sqldb.DB, sealer Sealer) (*Store, error) {
	if sealer == nil {
		return nil, fmt.Errorf("open installation store: no token sealer")
	}
	if err := sqldb.CheckVitessUnsharded(ctx, db, "installation store", Tables()); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, component, migrations()); err != nil {
		return nil, fmt.Errorf("open installation store: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations(), db.Dialect)); err != nil {
		return nil, fmt.Errorf("open installation store: %w", err)
	}
	return &Store{db: db, sealer: sealer}, nil
}

const columns = `id, team_id, enterprise_id, enterprise_install, app_id, bot_user_id, bot_token, has_token,
	refresh_token, token_expires_at, installer_user_id, installed_at, scopes, unknown_scopes, scopes_updated_at, active`

// updateTeamScopes is the single statement behind a team-wide refresh; it
// is served by the slack_installations_team index.
const updateTeamScopes = `UPDATE slack_installations SET scopes = ?, unknown_scopes = ?, scopes_updated_at = ? WHERE team_id = ?`

// SaveInstallation inserts or replaces the record with in.ID.
func (s *Store) SaveInstallation(ctx context.Context, in slackapp.Installation) error {
	if in.ID == "" || in.TeamID == "" {
		return fmt.Errorf("save installation: id and team id are required")
	}
	token, err := s.sealer.Seal(in.BotToken)
	if err != nil {
		return fmt.Errorf("save installation %s: %w", in.ID, err)
	}
	refresh, err := s.sealer.Seal(in.RefreshToken)
	if err != nil {
		return fmt.Errorf("save installation %s: %w", in.ID, err)
	}
	q := `INSERT INTO slack_installations (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)` +
		s.db.Upsert("id", "team_id", "enterprise_id", "enterprise_install", "app_id", "bot_user_id", "bot_token", "has_token",
			"refresh_token", "token_expires_at", "installer_user_id", "installed_at", "scopes", "unknown_scopes", "scopes_updated_at", "active")
	_, err = s.db.ExecContext(ctx, q, in.ID, in.TeamID, in.EnterpriseID, boolInt(in.EnterpriseInstall), in.AppID, in.BotUserID,
		token, boolInt(in.BotToken != ""), refresh, millis(in.TokenExpiresAt), in.InstallerUserID, millis(in.InstalledAt),
		int64(in.Scopes.Known), unknownText(in.Scopes), millis(in.ScopesUpdatedAt), boolInt(in.Active))
	if err != nil {
		return fmt.Errorf("save installation %s: %w", in.ID, err)
	}
	return nil
}

// Installation loads one record.
func (s *Store) Installation(ctx context.Context, id string) (slackapp.Installation, error) {
	list, err := s.query(ctx, `SELECT `+columns+` FROM slack_installations WHERE id = ?`, id)
	if err != nil {
		return slackapp.Installation{}, fmt.Errorf("load installation %s: %w", id, err)
	}
	if len(list) == 0 {
		return slackapp.Installation{}, fmt.Errorf("load installation %s: %w", id, slackapp.ErrNotInstalled)
	}
	return list[0], nil
}

// TeamInstallations lists a team's records by id.
func (s *Store) TeamInstallations(ctx context.Context, teamID string) ([]slackapp.Installation, error) {
	list, err := s.query(ctx, `SELECT `+columns+` FROM slack_installations WHERE team_id = ? ORDER BY id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("load installations of team %s: %w", teamID, err)
	}
	return list, nil
}

// ListInstallations lists every record ordered by team and id.
func (s *Store) ListInstallations(ctx context.Context) ([]slackapp.Installation, error) {
	list, err := s.query(ctx, `SELECT `+columns+` FROM slack_installations ORDER BY team_id, id`)
	if err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return list, nil
}

// UpdateTeamScopes sets the scopes of every record of a team in one statement.
func (s *Store) UpdateTeamScopes(ctx context.Context, teamID string, scopes slackapp.Scopes, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, updateTeamScopes, int64(scopes.Known), unknownText(scopes), millis(at), teamID)
	if err != nil {
		return 0, fmt.Errorf("update scopes of team %s: %w", teamID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("update scopes of team %s: %w", teamID, err)
	}
	return n, nil
}

// SetTeamActive marks every record of a team active or inactive.
func (s *Store) SetTeamActive(ctx context.Context, teamID string, active bool) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE slack_installations SET active = ? WHERE team_id = ?`, boolInt(active), teamID)
	if err != nil {
		return 0, fmt.Errorf("mark team %s active=%v: %w", teamID, active, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark team %s active=%v: %w", teamID, active, err)
	}
	return n, nil
}

// PendingScopes lists up to limit records with a token and no scope record
// whose id is greater than afterID, by id.
func (s *Store) PendingScopes(ctx context.Context, afterID string, limit int) ([]slackapp.Installation, error) {
	list, err := s.query(ctx, `SELECT `+columns+` FROM slack_installations
		WHERE scopes_updated_at = 0 AND has_token = 1 AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list installations without scopes after %q: %w", afterID, err)
	}
	return list, nil
}

// CountPendingScopes counts the records PendingScopes would walk.
func (s *Store) CountPendingScopes(ctx context.Context, afterID string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM slack_installations
		WHERE scopes_updated_at = 0 AND has_token = 1 AND id > ?`, afterID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count installations without scopes: %w", err)
	}
	return n, nil
}

// Cursor reads a named progress cursor ("" when none).
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM slack_install_cursors WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cursor %s: %w", name, err)
	}
	return v, nil
}

// SetCursor records a named progress cursor.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO slack_install_cursors (name, value) VALUES (?, ?)`+s.db.Upsert("name", "value"), name, value)
	if err != nil {
		return fmt.Errorf("save cursor %s: %w", name, err)
	}
	return nil
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]slackapp.Installation, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []slackapp.Installation
	for rows.Next() {
		var (
			in                                      slackapp.Installation
			entInstall, hasToken, active            int
			token, refresh, unknown                 string
			expires, installed, scopesAt, scopeBits int64
		)
		if err := rows.Scan(&in.ID, &in.TeamID, &in.EnterpriseID, &entInstall, &in.AppID, &in.BotUserID, &token, &hasToken,
			&refresh, &expires, &in.InstallerUserID, &installed, &scopeBits, &unknown, &scopesAt, &active); err != nil {
			return nil, err
		}
		if in.BotToken, err = s.sealer.Open(token); err != nil {
			return nil, fmt.Errorf("installation %s bot token: %w", in.ID, err)
		}
		if in.RefreshToken, err = s.sealer.Open(refresh); err != nil {
			return nil, fmt.Errorf("installation %s refresh token: %w", in.ID, err)
		}
		in.EnterpriseInstall, in.Active = entInstall == 1, active == 1
		in.TokenExpiresAt, in.InstalledAt, in.ScopesUpdatedAt = fromMillis(expires), fromMillis(installed), fromMillis(scopesAt)
		// A name stored as unknown that a newer enum knows joins the bit set.
		parsed := slackapp.ParseScopes(unknown)
		in.Scopes = slackapp.Scopes{Known: slackapp.ScopeSet(uint64(scopeBits)) | parsed.Known, Unknown: parsed.Unknown}
		out = append(out, in)
	}
	return out, rows.Err()
}

// unknownText stores the unknown scope names comma-separated.
func unknownText(s slackapp.Scopes) string { return slackapp.Scopes{Unknown: s.Unknown}.String() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
