package httpcommand

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/bastionhq/bastion/bot"
)

// Phases of a call.
const (
	// PhaseDryRun asks what the command would do, without doing it; it
	// may be sent more than once for one request.
	PhaseDryRun = "dry_run"
	// PhaseRun asks the endpoint to do it; it is sent at most once per
	// request id.
	PhaseRun = "run"
)

// Headers of a call. The signature is "v0=" followed by the hex
// HMAC-SHA256, keyed with the endpoint's secret, of "v0:" + the timestamp
// header + ":" + the raw body: Slack's scheme under Bastion's names.
const (
	SignatureHeader = "X-Bastion-Signature"
	TimestampHeader = "X-Bastion-Request-Timestamp"
)

// Payload is the JSON body POSTed to an endpoint.
type Payload struct {
	// Phase is PhaseDryRun or PhaseRun.
	Phase string `json:"phase"`
	// RequestID identifies the request: the same in its dry runs and its
	// run, and in every redelivery of the message that asked for it. The
	// endpoint's idempotency key for runs.
	RequestID string `json:"request_id"`
	// Command is the command's pattern, as in the file (normalised
	// spaces); Text is the message as typed, without the bot's mention.
	Command string `json:"command"`
	Text    string `json:"text"`
	// Args holds the placeholders' values by name: a number for int, a
	// number of seconds for duration, the id for user and channel
	// mentions, a string otherwise.
	Args      map[string]any `json:"args"`
	TeamID    string         `json:"team_id"`
	ChannelID string         `json:"channel_id"`
	UserID    string         `json:"user_id"`
	// Approvers lists who approved, the caller first, in the run of a
	// command that needed approvals; it is empty otherwise.
	Approvers []string `json:"approvers"`
}

// RequestID is the request id of the command asked for by the message
// teamID/channelID/messageTS: 32 hex characters derived from the message,
// so that every delivery of the message gives the same id. Its first 12
// characters are the approval request id (approval.ID) shown in the
// thread.
func RequestID(teamID, channelID, messageTS string) string {
	sum := sha256.Sum256([]byte(teamID + "/" + channelID + "/" + messageTS))
	return hex.EncodeToString(sum[:16])
}

// newPayload describes req for phase.
func newPayload(phase string, req *bot.Request) Payload {
	args := make(map[string]any, len(req.Args))
	for k, v := range req.Args {
		args[k] = argValue(v)
	}
	approvers := []string{}
	if phase == PhaseRun {
		approvers = append(approvers, req.Approvers...)
	}
	return Payload{
		Phase: phase, RequestID: RequestID(req.TeamID, req.ChannelID, req.TS),
		Command: req.Command.Usage(), Text: req.Text, Args: args,
		TeamID: req.TeamID, ChannelID: req.ChannelID, UserID: req.UserID, Approvers: approvers,
	}
}

// argValue is a placeholder's value as JSON shows it.
func argValue(v any) any {
	switch v := v.(type) {
	case time.Duration:
		return v.Seconds()
	case int64, string:
		return v
	}
	return fmt.Sprint(v)
}
