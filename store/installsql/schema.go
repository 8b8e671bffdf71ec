// Package installsql stores Slack app installations in SQL (SQLite or
// MySQL/MariaDB), with bot and refresh tokens encrypted at rest.
package installsql

import "github.com/bastionhq/bastion/store/sqldb"

// component is this package's name in schema_migrations.
const component = "installations"

func migrations() []sqldb.Migration {
	return []sqldb.Migration{{
		Version: 1,
		Name:    "slack installations and backfill cursors",
		SQL: `CREATE TABLE slack_installations (
	id VARCHAR(191) NOT NULL PRIMARY KEY,
	team_id VARCHAR(64) NOT NULL,
	enterprise_id VARCHAR(64) NOT NULL,
	enterprise_install INTEGER NOT NULL,
	app_id VARCHAR(64) NOT NULL,
	bot_user_id VARCHAR(64) NOT NULL,
	bot_token TEXT NOT NULL,
	has_token INTEGER NOT NULL,
	refresh_token TEXT NOT NULL,
	token_expires_at BIGINT NOT NULL,
	installer_user_id VARCHAR(64) NOT NULL,
	installed_at BIGINT NOT NULL,
	scopes BIGINT NOT NULL,
	unknown_scopes TEXT NOT NULL,
	scopes_updated_at BIGINT NOT NULL,
	active INTEGER NOT NULL
);
-- Team-wide scope refreshes and activity changes update by team_id.
CREATE INDEX slack_installations_team ON slack_installations (team_id);
-- The scope backfill walks records without a scope record by id.
CREATE INDEX slack_installations_pending ON slack_installations (scopes_updated_at, has_token, id);
CREATE TABLE slack_install_cursors (
	name VARCHAR(64) NOT NULL PRIMARY KEY,
	value VARCHAR(191) NOT NULL
);`,
	}, {
		Version: 2,
		Name:    "ids compare byte for byte",
		// On MySQL a VARCHAR compares by its collation, the database's
		// default unless the table says otherwise, which ignores case:
		// VARBINARY compares bytes, as SQLite does.
		SQL: `-- SQLite compares text byte for byte already`,
		MySQL: `
ALTER TABLE slack_installations MODIFY id VARBINARY(191) NOT NULL, MODIFY team_id VARBINARY(64) NOT NULL,
	MODIFY enterprise_id VARBINARY(64) NOT NULL, MODIFY app_id VARBINARY(64) NOT NULL,
	MODIFY bot_user_id VARBINARY(64) NOT NULL, MODIFY installer_user_id VARBINARY(64) NOT NULL;
ALTER TABLE slack_install_cursors MODIFY name VARBINARY(64) NOT NULL, MODIFY value VARBINARY(191) NOT NULL;
`,
	}}
}
