// Package botsql stores the bot's message claims, its invocation audit
// log and its approval requests in Bastion's SQL store (SQLite or MySQL),
// under the "bot" component.
package botsql

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"

	"github.com/bastionhq/bastion/store/sqldb"
)

const component = "bot"

var migrations = []sqldb.Migration{
	{
		Version: 1,
		Name:    "claims and invocations",
		SQL: `CREATE TABLE bot_claims (
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	ts VARCHAR(32) NOT NULL,
	state VARCHAR(16) NOT NULL,
	worker VARCHAR(64) NOT NULL,
	delivery_id VARCHAR(255) NOT NULL,
	heartbeat_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (team_id, channel_id, ts)
);
CREATE INDEX bot_claims_created ON bot_claims (created_at);
CREATE TABLE bot_invocations (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	message_ts VARCHAR(32) NOT NULL,
	text TEXT NOT NULL,
	command VARCHAR(1000) NOT NULL,
	verdict VARCHAR(16) NOT NULL,
	reason TEXT NOT NULL,
	result TEXT NOT NULL,
	at_ns BIGINT NOT NULL,
	duration_ns BIGINT NOT NULL
);
CREATE INDEX bot_invocations_team ON bot_invocations (team_id, id);`,
		MySQL: `CREATE TABLE bot_claims (
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	ts VARCHAR(32) NOT NULL,
	state VARCHAR(16) NOT NULL,
	worker VARCHAR(64) NOT NULL,
	delivery_id VARCHAR(255) NOT NULL,
	heartbeat_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (team_id, channel_id, ts)
);
CREATE INDEX bot_claims_created ON bot_claims (created_at);
CREATE TABLE bot_invocations (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	message_ts VARCHAR(32) NOT NULL,
	text TEXT NOT NULL,
	command VARCHAR(1000) NOT NULL,
	verdict VARCHAR(16) NOT NULL,
	reason TEXT NOT NULL,
	result TEXT NOT NULL,
	at_ns BIGINT NOT NULL,
	duration_ns BIGINT NOT NULL
);
CREATE INDEX bot_invocations_team ON bot_invocations (team_id, id);`,
	},
	approvalsMigration,
	approvalsStartedMigration,
	approvalsAliveMigration,
	binaryIDsMigration,
	approvalsEntityMigration,
}

// binaryIDsMigration makes every VARCHAR column VARBINARY on MySQL, where
// a VARCHAR compares by its collation (the database's default unless
// the table says otherwise, which ignores case): ids and keys then
// compare byte for byte on every database, as on SQLite. Free-text
// columns (commands) get four bytes per character they held.
var binaryIDsMigration = sqldb.Migration{
	Version: 5,
	Name:    "ids compare byte for byte",
	SQL:     `-- SQLite compares text byte for byte already`,
	MySQL: `
ALTER TABLE bot_claims MODIFY team_id VARBINARY(32) NOT NULL, MODIFY channel_id VARBINARY(32) NOT NULL,
	MODIFY ts VARBINARY(32) NOT NULL, MODIFY state VARBINARY(16) NOT NULL, MODIFY worker VARBINARY(64) NOT NULL,
	MODIFY delivery_id VARBINARY(255) NOT NULL;
ALTER TABLE bot_invocations MODIFY team_id VARBINARY(32) NOT NULL, MODIFY channel_id VARBINARY(32) NOT NULL,
	MODIFY user_id VARBINARY(32) NOT NULL, MODIFY message_ts VARBINARY(32) NOT NULL,
	MODIFY command VARBINARY(4000) NOT NULL, MODIFY verdict VARBINARY(16) NOT NULL;
ALTER TABLE bot_approvals MODIFY id VARBINARY(32) NOT NULL, MODIFY team_id VARBINARY(32) NOT NULL,
	MODIFY channel_id VARBINARY(32) NOT NULL, MODIFY message_ts VARBINARY(32) NOT NULL,
	MODIFY thread_ts VARBINARY(32) NOT NULL, MODIFY caller_id VARBINARY(32) NOT NULL,
	MODIFY command VARBINARY(4000) NOT NULL, MODIFY permission VARBINARY(128) NOT NULL,
	MODIFY mode VARBINARY(16) NOT NULL, MODIFY post_ts VARBINARY(32) NOT NULL DEFAULT '',
	MODIFY state VARBINARY(16) NOT NULL;
ALTER TABLE bot_approval_votes MODIFY request_id VARBINARY(32) NOT NULL, MODIFY user_id VARBINARY(32) NOT NULL,
	MODIFY vote VARBINARY(16) NOT NULL, MODIFY via VARBINARY(16) NOT NULL;
ALTER TABLE bot_approval_events MODIFY request_id VARBINARY(32) NOT NULL, MODIFY kind VARBINARY(16) NOT NULL,
	MODIFY user_id VARBINARY(32) NOT NULL;
`,
}

// Tables lists the tables the bot store creates: on Vitess, tables of the
// unsharded keyspace (deploy/vitess), which Open checks before migrating.
func Tables() []string { return sqldb.CreatedTables(migrations, sqldb.MySQL) }

// Store implements slackbot.ClaimStore, router.AuditLog and approval.Store over SQL.
type Store struct {
	db *sqldb.DB
}

var (
	_ slackbot.ClaimStore = (*Store)(nil)
	_ router.AuditLog     = (*Store)(nil)
	_ approval.Store      = (*Store)(nil)
)

// Open migrates the bot's tables in db and returns a store on it; db stays
// the caller's to close.
func Open(ctx context.Context, db *sqldb.DB) (*Store, error) {
	if err := sqldb.CheckVitessUnsharded(ctx, db, "bot store", Tables()); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, component, migrations); err != nil {
		return nil, fmt.Errorf("open bot store: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations, db.Dialect)); err != nil {
		return nil, fmt.Errorf("open bot store: %w", err)
	}
	return &Store{db: db}, nil
}
