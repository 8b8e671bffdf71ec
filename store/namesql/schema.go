// Package namesql keeps Bastion's directory of display names
// (names.Directory) in the SQL store, SQLite or MySQL/MariaDB, under the
// "names" component.
//
// Ids are compared byte for byte: SQLite compares text that way, and on
// MySQL the table is declared with the utf8mb4_bin collation whatever the
// database's default, so "U1" and "u1" are two ids. Searches compare a
// lowercased copy of the name, handle and id (names.Fold), so they ignore
// case on both.
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
		MySQL: `CREATE TABLE directory_names (
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
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
-- Searches within workspaces.
CREATE INDEX directory_names_team ON directory_names (kind, team_id);`,
	}}
}
