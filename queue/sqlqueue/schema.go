package sqlqueue

import "github.com/bastionhq/bastion/store/sqldb"

// component names the queue's migrations in schema_migrations.
const component = "queue"

// migrations create the message table (ordered by seq, claimed through
// lease and visible_at) and the table of ids seen, which outlives the
// messages so a redelivered Slack event is recognised after it was handled.
// Ids are compared byte for byte: VARBINARY on MySQL, whose VARCHAR
// collations ignore case and trailing spaces (and so are leases, since
// version 2; Open refuses tables that would not, sqldb.CheckByteComparison).
var migrations = []sqldb.Migration{{
	Version: 1,
	Name:    "messages and dedupe",
	SQL: `CREATE TABLE queue_messages (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id VARCHAR(255) NOT NULL UNIQUE,
	body BLOB NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	visible_at BIGINT NOT NULL,
	lease VARCHAR(32) NOT NULL DEFAULT ''
);
CREATE TABLE queue_dedupe (
	id VARCHAR(255) NOT NULL PRIMARY KEY,
	enqueued_at BIGINT NOT NULL
);
CREATE INDEX queue_dedupe_enqueued ON queue_dedupe (enqueued_at);`,
	MySQL: `CREATE TABLE queue_messages (
	seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	id VARBINARY(255) NOT NULL UNIQUE,
	body MEDIUMBLOB NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	visible_at BIGINT NOT NULL,
	lease VARCHAR(32) NOT NULL DEFAULT ''
);
CREATE TABLE queue_dedupe (
	id VARBINARY(255) NOT NULL PRIMARY KEY,
	enqueued_at BIGINT NOT NULL
);
CREATE INDEX queue_dedupe_enqueued ON queue_dedupe (enqueued_at);`,
}, {
	Version: 2,
	Name:    "leases compare byte for byte",
	SQL:     `-- SQLite compares text byte for byte already`,
	MySQL:   `ALTER TABLE queue_messages MODIFY lease VARBINARY(32) NOT NULL DEFAULT '';`,
}}
