package botsql

import "github.com/bastionhq/bastion/store/sqldb"

// approvalsMigration adds approval requests, their votes (one row per
// request and person, so repeated and withdrawn votes are idempotent) and
// their history.
var approvalsMigration = sqldb.Migration{
	Version: 2,
	Name:    "approvals",
	SQL: `CREATE TABLE bot_approvals (
	id VARCHAR(32) NOT NULL PRIMARY KEY,
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	message_ts VARCHAR(32) NOT NULL,
	thread_ts VARCHAR(32) NOT NULL,
	caller_id VARCHAR(32) NOT NULL,
	text TEXT NOT NULL,
	command VARCHAR(1000) NOT NULL,
	needed INTEGER NOT NULL,
	permission VARCHAR(128) NOT NULL,
	mode VARCHAR(16) NOT NULL,
	post_ts VARCHAR(32) NOT NULL DEFAULT '',
	dry_run TEXT NOT NULL,
	state VARCHAR(16) NOT NULL,
	result TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bot_approvals_post ON bot_approvals (team_id, channel_id, post_ts);
CREATE INDEX bot_approvals_due ON bot_approvals (state, expires_at);
CREATE TABLE bot_approval_votes (
	request_id VARCHAR(32) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	vote VARCHAR(16) NOT NULL,
	via VARCHAR(16) NOT NULL,
	at_ns BIGINT NOT NULL,
	PRIMARY KEY (request_id, user_id)
);
CREATE TABLE bot_approval_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id VARCHAR(32) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	detail TEXT NOT NULL,
	at_ns BIGINT NOT NULL
);
CREATE INDEX bot_approval_events_request ON bot_approval_events (request_id, id);`,
	MySQL: `CREATE TABLE bot_approvals (
	id VARCHAR(32) NOT NULL PRIMARY KEY,
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	message_ts VARCHAR(32) NOT NULL,
	thread_ts VARCHAR(32) NOT NULL,
	caller_id VARCHAR(32) NOT NULL,
	text TEXT NOT NULL,
	command VARCHAR(1000) NOT NULL,
	needed INTEGER NOT NULL,
	permission VARCHAR(128) NOT NULL,
	mode VARCHAR(16) NOT NULL,
	post_ts VARCHAR(32) NOT NULL DEFAULT '',
	dry_run TEXT NOT NULL,
	state VARCHAR(16) NOT NULL,
	result TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bot_approvals_post ON bot_approvals (team_id, channel_id, post_ts);
CREATE INDEX bot_approvals_due ON bot_approvals (state, expires_at);
CREATE TABLE bot_approval_votes (
	request_id VARCHAR(32) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	vote VARCHAR(16) NOT NULL,
	via VARCHAR(16) NOT NULL,
	at_ns BIGINT NOT NULL,
	PRIMARY KEY (request_id, user_id)
);
CREATE TABLE bot_approval_events (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	request_id VARCHAR(32) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	detail TEXT NOT NULL,
	at_ns BIGINT NOT NULL
);
CREATE INDEX bot_approval_events_request ON bot_approval_events (request_id, id);`,
}

// approvalsStartedMigration records when a request started running, so
// that a run whose process died before recording its outcome can be told
// apart from one in progress and declared interrupted. Rows running before
// it keep 0; the sweep then counts from their deadline, the latest moment
// they could have started.
var approvalsStartedMigration = sqldb.Migration{
	Version: 3,
	Name:    "approval start times",
	SQL:     `ALTER TABLE bot_approvals ADD COLUMN started_at BIGINT NOT NULL DEFAULT 0;`,
}

// approvalsAliveMigration records when the process running a request last
// said the run was still going, so that a slow run is not taken for one
// whose process died. Rows without it (0) count from their start.
var approvalsAliveMigration = sqldb.Migration{
	Version: 4,
	Name:    "approval run heartbeats",
	SQL:     `ALTER TABLE bot_approvals ADD COLUMN alive_at BIGINT NOT NULL DEFAULT 0;`,
}

// approvalsEntityMigration lets a request name the entity its approvers
// hold the permission on (an access request's entity, which need not be
// the channel it is asked in) and a summary heading its post in place of
// a command's dry run. Older rows keep ”: the channel, and a command.
var approvalsEntityMigration = sqldb.Migration{
	Version: 6,
	Name:    "approval entities and summaries",
	SQL: `ALTER TABLE bot_approvals ADD COLUMN entity_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE bot_approvals ADD COLUMN summary TEXT NOT NULL DEFAULT '';`,
	MySQL: `ALTER TABLE bot_approvals ADD COLUMN entity_id VARBINARY(64) NOT NULL DEFAULT '',
	ADD COLUMN summary VARBINARY(8000) NOT NULL DEFAULT '';`,
}
