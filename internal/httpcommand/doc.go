// Package httpcommand turns a commands file (commands.yaml) into bot
// commands served by a team's own HTTP service, in any language.
//
// Each command of the file becomes an ordinary bot.Command: help lists it,
// the channel list and the permission service authorize it, approvals and
// the audit log treat it like a command written in Go, and the bot's
// message claims keep it from running twice. Its DryRun and Handler POST a
// JSON Payload to the command's endpoint, signed like Slack signs its
// requests, and post the endpoint's Answer in the thread.
//
// # At most once
//
// A run is sent at most once per request id. The id (RequestID) is derived
// from the Slack message that asked for the command (workspace, channel,
// message ts), so every redelivery of that message, and the run after its
// approvals, carries the same id; its first 12 characters are the approval
// request id shown in the thread. Before sending a run, the command records
// it in a RunLedger (a table in Bastion's database) with one conditional
// insert; only the caller whose insert created the record sends it, so a
// retry, a redelivery, a second worker or a process restarted after a
// crash finds the record and sends nothing. A run that was sent but got no
// answer (timeout, broken connection, a crash before the outcome was
// written) is never sent again: the thread hears that its outcome is
// unknown, with the request id to look up in the service. The handler
// uses request_id as its idempotency key. Dry runs have no side effects
// and may be sent more than once.
//
// # Bounds
//
// The command's timeout (default 10 s) bounds the whole call: connecting,
// sending, waiting for the answer and reading it (for a dry run, its
// retries too). Answers larger than MaxAnswerSize are refused, redirects
// are never followed (a redirected run would be sent again, elsewhere),
// and signing secrets stay out of logs, errors and printed values.
package httpcommand
