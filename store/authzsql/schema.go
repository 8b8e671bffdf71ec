package authzsql

import (
	"strings"

	"github.com/bastionhq/bastion/store/sqldb"
)

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
}}

// Tables lists the tables the migrations create, for deployment checks.
func Tables() []string {
	var out []string
	for _, m := range migrations {
		for _, stmt := range sqldb.SplitStatements(m.SQL) {
			f := strings.Fields(stmt)
			if len(f) > 2 && strings.EqualFold(f[0], "CREATE") && strings.EqualFold(f[1], "TABLE") {
				out = append(out, f[2])
			}
		}
	}
	return out
}
