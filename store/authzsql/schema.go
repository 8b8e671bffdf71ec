package authzsql

import "github.com/bastionhq/bastion/store/sqldb"

// component names this package's migrations in schema_migrations.
const component = "authz"

// migrations is the schema history of the permission store. Tables keyed by
// user id (assignments, account types) are the ones Vitess shards; the rest
// are small reference tables. Append new versions; never edit released ones.
var migrations = []sqldb.Migration{{
	Version: 1,
	Name:    "permission model and change log",
	SQL: `
CREATE TABLE authz_revision (
	id INTEGER NOT NULL PRIMARY KEY,
	rev BIGINT NOT NULL
);
INSERT INTO authz_revision (id, rev) VALUES (1, 0);
CREATE TABLE authz_entities (
	id VARCHAR(64) NOT NULL PRIMARY KEY,
	type VARCHAR(64) NOT NULL,
	parent_id VARCHAR(64) NOT NULL DEFAULT '',
	creator_id VARCHAR(64) NOT NULL DEFAULT '',
	revision BIGINT NOT NULL
);
CREATE INDEX authz_entities_parent ON authz_entities (parent_id);
CREATE TABLE authz_team_prefs (
	team_id VARCHAR(64) NOT NULL PRIMARY KEY,
	prefs TEXT NOT NULL,
	revision BIGINT NOT NULL
);
CREATE TABLE authz_roles (
	name VARCHAR(64) NOT NULL PRIMARY KEY,
	description TEXT NOT NULL,
	permissions TEXT NOT NULL,
	scope_id VARCHAR(64) NOT NULL,
	revision BIGINT NOT NULL
);
CREATE TABLE authz_assignments (
	user_id VARCHAR(64) NOT NULL,
	role VARCHAR(64) NOT NULL,
	entity_id VARCHAR(64) NOT NULL,
	granted_by VARCHAR(128) NOT NULL,
	granted_at BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, role, entity_id)
);
CREATE INDEX authz_assignments_entity ON authz_assignments (entity_id);
CREATE INDEX authz_assignments_role ON authz_assignments (role);
CREATE TABLE authz_account_types (
	user_id VARCHAR(64) NOT NULL,
	team_id VARCHAR(64) NOT NULL,
	account_type VARCHAR(32) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, team_id)
);
CREATE TABLE authz_changes (
	revision BIGINT NOT NULL PRIMARY KEY,
	at_ms BIGINT NOT NULL,
	actor VARCHAR(128) NOT NULL,
	kind VARCHAR(32) NOT NULL,
	change_key VARCHAR(255) NOT NULL,
	user_id VARCHAR(64) NOT NULL DEFAULT '',
	team_id VARCHAR(64) NOT NULL DEFAULT '',
	entity_id VARCHAR(64) NOT NULL DEFAULT '',
	before_json TEXT NOT NULL,
	after_json TEXT NOT NULL
);
CREATE INDEX authz_changes_user ON authz_changes (user_id, revision);
CREATE INDEX authz_changes_entity ON authz_changes (entity_id, revision);
CREATE INDEX authz_changes_actor ON authz_changes (actor, revision);
`,
}, {
	Version: 2,
	Name:    "store user-keyed rows in primary-key order",
	// A check reads one user's rows by the leading primary-key column. As
	// rowid tables SQLite found them through the primary-key index and
	// then fetched every row from the table by rowid; WITHOUT ROWID tables
	// keep the rows in the primary-key B-tree itself, so one seek and a
	// short scan read them (about 15% less CPU per check). SQLite cannot
	// alter a table into this form: each table is copied into a new one.
	SQL: `
CREATE TABLE authz_assignments_v2 (
	user_id VARCHAR(64) NOT NULL,
	role VARCHAR(64) NOT NULL,
	entity_id VARCHAR(64) NOT NULL,
	granted_by VARCHAR(128) NOT NULL,
	granted_at BIGINT NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, role, entity_id)
) WITHOUT ROWID;
INSERT INTO authz_assignments_v2 (user_id, role, entity_id, granted_by, granted_at, revision)
	SELECT user_id, role, entity_id, granted_by, granted_at, revision FROM authz_assignments;
DROP TABLE authz_assignments;
ALTER TABLE authz_assignments_v2 RENAME TO authz_assignments;
CREATE INDEX authz_assignments_entity ON authz_assignments (entity_id);
CREATE INDEX authz_assignments_role ON authz_assignments (role);
CREATE TABLE authz_account_types_v2 (
	user_id VARCHAR(64) NOT NULL,
	team_id VARCHAR(64) NOT NULL,
	account_type VARCHAR(32) NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (user_id, team_id)
) WITHOUT ROWID;
INSERT INTO authz_account_types_v2 (user_id, team_id, account_type, revision)
	SELECT user_id, team_id, account_type, revision FROM authz_account_types;
DROP TABLE authz_account_types;
ALTER TABLE authz_account_types_v2 RENAME TO authz_account_types;
`,
	// InnoDB already clusters rows by primary key.
	MySQL: `-- nothing to do on MySQL`,
}, {
	Version: 3,
	Name:    "a version per user",
	// Every write that changes a user's rows records its revision here, in
	// the same transaction, so that a check can tell with one short read
	// whether a user it holds in memory is still current. Existing users
	// start at the revision of their newest row; any later write is newer.
	// Writers of an older schema do not maintain this table: upgrade every
	// process that writes before relying on it (README.md, Upgrading).
	SQL: `
CREATE TABLE authz_user_revisions (
	user_id VARCHAR(64) NOT NULL PRIMARY KEY,
	rev BIGINT NOT NULL
) WITHOUT ROWID;
` + backfillUserRevisions,
	MySQL: `
CREATE TABLE authz_user_revisions (
	user_id VARCHAR(64) NOT NULL PRIMARY KEY,
	rev BIGINT NOT NULL
);
` + backfillUserRevisions,
}, {
	Version: 4,
	Name:    "a store id",
	// The store's id, recorded once when the store is opened first
	// (Store.Open fills the row): an engine compares it with the one it
	// read, and a store created anew has another.
	SQL: `
CREATE TABLE authz_store (
	id INTEGER NOT NULL PRIMARY KEY,
	store_id VARCHAR(64) NOT NULL
);
`,
	MySQL: `
CREATE TABLE authz_store (
	id INTEGER NOT NULL PRIMARY KEY,
	store_id VARBINARY(64) NOT NULL
);
`,
}, {
	Version: 5,
	Name:    "ids compare byte for byte",
	// On MySQL a VARCHAR column compares by its collation, which is the
	// database's default unless the table says otherwise: in a database
	// created beforehand with the server's default (utf8mb4_general_ci,
	// say), "uch" and "UCH" were one user to the store and two to the
	// engine. VARBINARY compares bytes, as Go and SQLite do. Free-text
	// columns (actors, grantors) get four bytes per character they held.
	// Each statement can run again.
	SQL: `-- SQLite compares text byte for byte already`,
	MySQL: `
ALTER TABLE authz_entities MODIFY id VARBINARY(64) NOT NULL, MODIFY type VARBINARY(64) NOT NULL,
	MODIFY parent_id VARBINARY(64) NOT NULL DEFAULT '', MODIFY creator_id VARBINARY(64) NOT NULL DEFAULT '';
ALTER TABLE authz_team_prefs MODIFY team_id VARBINARY(64) NOT NULL;
ALTER TABLE authz_roles MODIFY name VARBINARY(64) NOT NULL, MODIFY scope_id VARBINARY(64) NOT NULL;
ALTER TABLE authz_assignments MODIFY user_id VARBINARY(64) NOT NULL, MODIFY role VARBINARY(64) NOT NULL,
	MODIFY entity_id VARBINARY(64) NOT NULL, MODIFY granted_by VARBINARY(512) NOT NULL;
ALTER TABLE authz_account_types MODIFY user_id VARBINARY(64) NOT NULL, MODIFY team_id VARBINARY(64) NOT NULL,
	MODIFY account_type VARBINARY(32) NOT NULL;
ALTER TABLE authz_changes MODIFY actor VARBINARY(512) NOT NULL, MODIFY kind VARBINARY(32) NOT NULL,
	MODIFY change_key VARBINARY(255) NOT NULL, MODIFY user_id VARBINARY(64) NOT NULL DEFAULT '',
	MODIFY team_id VARBINARY(64) NOT NULL DEFAULT '', MODIFY entity_id VARBINARY(64) NOT NULL DEFAULT '';
ALTER TABLE authz_user_revisions MODIFY user_id VARBINARY(64) NOT NULL;
`,
}, {
	Version: 6,
	Name:    "assignments that expire",
	// An assignment may end: expires_at is that instant in unix
	// milliseconds, 0 for none. The index finds the ended ones for the
	// sweeper (Store.Expire) and the listing of those ending soon; on
	// Vitess it is a per-shard index of the sharded table, which the
	// sweeper reads on every shard. reason says why the role was given.
	// Each statement can run again.
	SQL: `
ALTER TABLE authz_assignments ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE authz_assignments ADD COLUMN reason VARCHAR(1024) NOT NULL DEFAULT '';
CREATE INDEX authz_assignments_expires ON authz_assignments (expires_at);
`,
	MySQL: `
ALTER TABLE authz_assignments ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE authz_assignments ADD COLUMN reason VARBINARY(4096) NOT NULL DEFAULT '';
CREATE INDEX authz_assignments_expires ON authz_assignments (expires_at);
`,
}}

// backfillUserRevisions gives every existing user a version.
const backfillUserRevisions = `INSERT INTO authz_user_revisions (user_id, rev)
	SELECT user_id, MAX(revision) FROM (
		SELECT user_id, revision FROM authz_assignments
		UNION ALL
		SELECT user_id, revision FROM authz_account_types
	) rows_by_user GROUP BY user_id;
`

// Tables lists the tables the migrations create on MySQL and Vitess, for
// deployment checks.
func Tables() []string { return sqldb.CreatedTables(migrations, sqldb.MySQL) }
