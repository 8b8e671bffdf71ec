// Package namesql keeps Bastion's directory of display names
// (names.Directory) in the SQL store, SQLite or MySQL/MariaDB, under the
// "names" component.
//
// Ids are compared byte for byte: SQLite compares text that way, and on
// MySQL every column is VARBINARY whatever the database's default
// collation, so "U1" and "u1" are two ids (Open checks it, as every
// Bastion store does). Searches compare a lowercased copy of the name,
// handle and id (names.Fold), so they ignore case on both.
package namesql

import "github.com/bastionhq/bastion/store/sqldb"

// component is this package's name in schema_migrations.
const component = "names"

func migrations() []sqldb.Migration {
	return []sqldb.Migration{{
		Version: 1,
		Name:    "directory of display names",
		SQL: `CREATE TABLE directory_names (
	kind VARCHAR(16) NOT NULL,
	id VARCHAR(64) NOT NULL,
	name VARCHAR(255) NOT NULL,
	handle VARCHAR(255) NOT NULL,
	folded VARCHAR(600) NOT NULL,
	team_id VARCHAR(64) NOT NULL,
	source VARCHAR(16) NOT NULL,
	pinned INTEGER NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (kind, id)
);
-- Searches within workspaces.
CREATE INDEX directory_names_team ON directory_names (kind, team_id);`,
		// Names hold up to names.MaxNameRunes characters of up to 4
		// bytes; the folded copy holds both and the id.
		MySQL: `CREATE TABLE directory_names (
	kind VARBINARY(16) NOT NULL,
	id VARBINARY(64) NOT NULL,
	name VARBINARY(800) NOT NULL,
	handle VARBINARY(800) NOT NULL,
	folded VARBINARY(1700) NOT NULL,
	team_id VARBINARY(64) NOT NULL,
	source VARBINARY(16) NOT NULL,
	pinned INTEGER NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (kind, id)
);
-- Searches within workspaces.
CREATE INDEX directory_names_team ON directory_names (kind, team_id);`,
	}}
}

// Tables lists the tables this store creates. On Vitess they live in the
// unsharded keyspace (deploy/vitess/vschema_bastion_ref.json), as the
// directory is small and read by id from every process.
func Tables() []string { return sqldb.CreatedTables(migrations(), sqldb.MySQL) }
