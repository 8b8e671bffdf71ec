package authzsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
)

// SchemaVersion is the version of the permission tables this build reads
// and writes.
func SchemaVersion() int { return len(migrations) }

// ErrSchemaMismatch marks a database whose permission tables are at
// another version than SchemaVersion, which a Reader refuses to read.
var ErrSchemaMismatch = errors.New("the database's permission tables are not at this build's schema version")

// readerBatch bounds the users of one read by user id.
const readerBatch = 500

// Reader reads the permission tables without migrating or writing them,
// all from one snapshot (a read-only transaction), so that a preview run
// against a live database sees one state of it and changes nothing. On
// Vitess each shard has its own snapshot, all taken when the Reader opens:
// a write committing on several shards at that moment may be seen on some
// of them only. Close it when done.
type Reader struct {
	tx *sql.Tx
}

// OpenReader checks that db's permission tables are at SchemaVersion,
// then starts the read-only transaction the Reader reads in. A database
// migrated by an older or a newer release is ErrSchemaMismatch, saying
// which; one without Bastion's tables is an error too.
func OpenReader(ctx context.Context, db *sqldb.DB) (*Reader, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin read-only transaction: %w", err)
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations WHERE component = ?", component).Scan(&v); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("%s is not a Bastion database (no schema_migrations table: %v)", db.URL, err)
	}
	switch have, want := int(v.Int64), SchemaVersion(); {
	case !v.Valid:
		tx.Rollback()
		return nil, fmt.Errorf("%s holds no permission tables (no bastion process has opened it)", db.URL)
	case have < want:
		tx.Rollback()
		return nil, fmt.Errorf("%w: %s is at version %d, this build reads version %d; "+
			"upgrade it first (any bastion command that opens it migrates it) or use the release that wrote it", ErrSchemaMismatch, db.URL, have, want)
	case have > want:
		tx.Rollback()
		return nil, fmt.Errorf("%w: %s is at version %d, newer than this build's %d; use a release at least as new as the one that migrated it",
			ErrSchemaMismatch, db.URL, have, want)
	}
	if db.Vitess {
		// vtgate begins a shard's transaction, and MySQL its snapshot,
		// at the shard's first read: read every shard now, so that what
		// is written after OpenReader returns stays unseen. The shards'
		// snapshots are still taken one by one, not at one instant.
		if _, err := tx.ExecContext(ctx, "SELECT user_id FROM authz_assignments LIMIT 1"); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("begin reading every shard: %w", err)
		}
	}
	return &Reader{tx: tx}, nil
}

// Close ends the read-only transaction.
func (r *Reader) Close() error {
	if err := r.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// Reference reads the entities, team preferences and custom roles, and
// the revision they are at.
func (r *Reader) Reference(ctx context.Context) (*authz.Reference, error) {
	return readReference(ctx, r.tx)
}

// EachAssignmentOfRole calls fn with the user and entity of every
// assignment of role, in pages in key order (the role index holds the
// assignments of a role in user order).
func (r *Reader) EachAssignmentOfRole(ctx context.Context, role string, fn func(userID, entityID string) error) error {
	return r.keyPages(ctx, "SELECT user_id, entity_id FROM authz_assignments WHERE role = ? AND user_id >= ? AND (user_id > ? OR entity_id > ?) ORDER BY user_id, entity_id",
		role, fn)
}

// EachAssignmentOn calls fn with the user and role of every assignment on
// entityID, in pages in key order.
func (r *Reader) EachAssignmentOn(ctx context.Context, entityID string, fn func(userID, role string) error) error {
	return r.keyPages(ctx, "SELECT user_id, role FROM authz_assignments WHERE entity_id = ? AND user_id >= ? AND (user_id > ? OR role > ?) ORDER BY user_id, role",
		entityID, fn)
}

// keyPages runs query, which selects two key columns of the rows with one
// value after a two-column key, page by page (Vitess refuses results of
// more than 10,000 rows), calling fn with each row's columns. The query
// bounds the first key column alone ("a >= ? AND (a > ? OR b > ?)") so
// that SQLite and MySQL seek each page in the index rather than scan the
// value's rows from the start.
func (r *Reader) keyPages(ctx context.Context, query, value string, fn func(a, b string) error) error {
	var a, b string
	for {
		rows, err := r.tx.QueryContext(ctx, fmt.Sprintf("%s LIMIT %d", query, referencePage), value, a, a, b)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			if err = rows.Scan(&a, &b); err == nil {
				err = fn(a, b)
			}
			if err != nil {
				rows.Close()
				return err
			}
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil || n < referencePage {
			return err
		}
	}
}

// EachAccountType calls fn with every account type of each of userIDs,
// reading them by user id, readerBatch at a time.
func (r *Reader) EachAccountType(ctx context.Context, userIDs []string, fn func(userID string, a authz.AccountTypeRecord) error) error {
	var user, team, typ string
	for start := 0; start < len(userIDs); start += readerBatch {
		batch := userIDs[start:min(start+readerBatch, len(userIDs))]
		q := "SELECT user_id, team_id, account_type FROM authz_account_types WHERE user_id IN (?" + strings.Repeat(",?", len(batch)-1) + ")"
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := r.tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("read account types: %w", err)
		}
		for rows.Next() {
			if err = rows.Scan(&user, &team, &typ); err != nil {
				break
			}
			t, perr := authz.ParseAccountType(typ)
			if perr != nil {
				err = fmt.Errorf("user %s in team %s: %w", user, team, perr)
				break
			}
			if err = fn(user, authz.AccountTypeRecord{TeamID: team, Type: t}); err != nil {
				break
			}
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("read account types: %w", err)
		}
	}
	return nil
}

// Users returns the records of userIDs, in order, as Store.LoadUsers does.
func (r *Reader) Users(ctx context.Context, userIDs []string) ([]authz.UserRecord, error) {
	recs := make([]authz.UserRecord, len(userIDs))
	for i, id := range userIDs {
		recs[i].UserID = id
	}
	for start := 0; start < len(recs); start += maxUsersPerQuery {
		batch := recs[start:min(start+maxUsersPerQuery, len(recs))]
		args := make([]any, 3*len(batch))
		for i := range batch {
			args[i], args[len(batch)+i], args[2*len(batch)+i] = batch[i].UserID, batch[i].UserID, batch[i].UserID
		}
		rows, err := r.tx.QueryContext(ctx, loadUsersQuery(len(batch)), args...)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", describeUsers(batch), err)
		}
		err = scanUsers(rows, batch)
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", describeUsers(batch), err)
		}
	}
	return recs, nil
}
