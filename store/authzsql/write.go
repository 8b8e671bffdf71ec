package authzsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bastionhq/bastion/authz"
)

var sqlReadOnly = sql.TxOptions{ReadOnly: true}

// write runs one change in a transaction. It first takes the next revision
// (the row lock on authz_revision serialises writers, so revisions commit in
// order), then lets fn apply the change and describe it. When fn reports
// that nothing changed, the transaction is rolled back and the current
// revision returned.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx, rev int64) (authz.Change, bool, error)) (authz.Revision, error) {
	return s.writeUser(ctx, "", fn)
}

// writeUser is write for a change to the rows of userID. On Vitess the
// transaction first claims the user's version row, so that the user's
// shard joins it before the unsharded keyspace of the revision and the
// change log does: vtgate commits a transaction's shards in the order they
// joined it (with TWOPC, the first before the others), so a change-log
// entry never shows before the user rows it describes, and a process that
// reads the entry and then the user sees the change. The claim also makes
// concurrent writes to one user wait for each other before they read
// anything, so each reads what the one before it committed.
func (s *Store) writeUser(ctx context.Context, userID string, fn func(tx *sql.Tx, rev int64) (authz.Change, bool, error)) (authz.Revision, error) {
	var result authz.Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if userID != "" && s.db.Vitess {
			if _, err := tx.ExecContext(ctx, "INSERT INTO authz_user_revisions (user_id, rev) VALUES (?, 0) ON DUPLICATE KEY UPDATE rev = rev", userID); err != nil {
				return fmt.Errorf("claim user %s: %w", userID, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE authz_revision SET rev = rev + 1 WHERE id = 1"); err != nil {
			return fmt.Errorf("take revision: %w", err)
		}
		var rev int64
		if err := tx.QueryRowContext(ctx, "SELECT rev FROM authz_revision WHERE id = 1").Scan(&rev); err != nil {
			return fmt.Errorf("take revision: %w", err)
		}
		c, changed, err := fn(tx, rev)
		if err != nil {
			return err
		}
		if !changed {
			result = authz.Revision(rev - 1)
			return errUnchanged
		}
		c.Revision = authz.Revision(rev)
		// A change that names a user changed that user's record: its new
		// version tells every process's cache of the user to read it again.
		if c.UserID != "" {
			if err := s.bumpUsers(ctx, tx, rev, []string{c.UserID}); err != nil {
				return err
			}
		}
		if c.At.IsZero() {
			c.At = time.Now()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO authz_changes
			(revision, at_ms, actor, kind, change_key, user_id, team_id, entity_id, before_json, after_json)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rev, c.At.UnixMilli(), c.Actor, string(c.Kind), c.Key, c.UserID, c.TeamID, c.EntityID, c.Before, c.After); err != nil {
			return fmt.Errorf("append change: %w", err)
		}
		result = authz.Revision(rev)
		return nil
	})
	if err == errUnchanged {
		return result, nil
	}
	return result, err
}

type unchanged struct{}

func (unchanged) Error() string { return "unchanged" }

var errUnchanged error = unchanged{}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain structs and maps are marshalled here.
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return string(b)
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// UpsertEntity implements authz.Store.
func (s *Store) UpsertEntity(ctx context.Context, e authz.Entity, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.write(ctx, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		var before authz.Entity
		err := tx.QueryRowContext(ctx, "SELECT id, type, parent_id, creator_id FROM authz_entities WHERE id = ?", e.ID).
			Scan(&before.ID, &before.Type, &before.ParentID, &before.CreatorID)
		c := authz.Change{Actor: actor, Kind: authz.ChangeEntity, Key: e.ID, EntityID: e.ID, After: toJSON(e)}
		if err != nil && err != sql.ErrNoRows {
			return c, false, fmt.Errorf("read entity %s: %w", e.ID, err)
		}
		exists := err == nil
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		switch {
		case !exists:
		case before == e:
			return c, false, nil
		default:
			c.Before = toJSON(before)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO authz_entities (id, type, parent_id, creator_id, revision) VALUES (?, ?, ?, ?, ?)"+
			s.db.Upsert("id", "type", "parent_id", "creator_id", "revision"), e.ID, e.Type, e.ParentID, e.CreatorID, rev); err != nil {
			return c, false, fmt.Errorf("write entity %s: %w", e.ID, err)
		}
		return c, true, nil
	})
}

// SetAccountType implements authz.Store.
func (s *Store) SetAccountType(ctx context.Context, teamID, userID string, t authz.AccountType, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.writeUser(ctx, userID, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeAccountType, Key: teamID + "/" + userID, UserID: userID, TeamID: teamID, EntityID: teamID, After: t.String()}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		var before string
		err := tx.QueryRowContext(ctx, "SELECT account_type FROM authz_account_types WHERE user_id = ? AND team_id = ?", userID, teamID).Scan(&before)
		if err != nil && err != sql.ErrNoRows {
			return c, false, fmt.Errorf("read account type of %s in %s: %w", userID, teamID, err)
		}
		if before == t.String() {
			return c, false, nil
		}
		c.Before = before
		if _, err := tx.ExecContext(ctx, "INSERT INTO authz_account_types (user_id, team_id, account_type, revision) VALUES (?, ?, ?, ?)"+
			s.db.Upsert("user_id, team_id", "account_type", "revision"), userID, teamID, t.String(), rev); err != nil {
			return c, false, fmt.Errorf("write account type of %s in %s: %w", userID, teamID, err)
		}
		return c, true, nil
	})
}

// SetTeamPrefs implements authz.Store.
func (s *Store) SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, prior authz.Prior, actor string) (authz.Revision, error) {
	if prefs == nil {
		prefs = map[string]string{}
	}
	after := toJSON(prefs)
	return s.write(ctx, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeTeamPrefs, Key: teamID, TeamID: teamID, EntityID: teamID, After: after}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		err := tx.QueryRowContext(ctx, "SELECT prefs FROM authz_team_prefs WHERE team_id = ?", teamID).Scan(&c.Before)
		if err != nil && err != sql.ErrNoRows {
			return c, false, fmt.Errorf("read preferences of %s: %w", teamID, err)
		}
		if c.Before == after {
			return c, false, nil
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO authz_team_prefs (team_id, prefs, revision) VALUES (?, ?, ?)"+
			s.db.Upsert("team_id", "prefs", "revision"), teamID, after, rev); err != nil {
			return c, false, fmt.Errorf("write preferences of %s: %w", teamID, err)
		}
		return c, true, nil
	})
}
