package sandbox

import (
	"encoding/json"
	"time"
)

// Team is a Slack workspace.
type Team struct {
	ID     string
	Name   string
	Domain string
	// EnterpriseID is set for workspaces that belong to an Enterprise Grid org.
	EnterpriseID string
	// EnterpriseName is the org's name, which team.info reports.
	EnterpriseName string
}

// ChannelType says what kind of conversation a channel is.
type ChannelType string

const (
	// PublicChannel is a public channel; its messages arrive as message.channels.
	PublicChannel ChannelType = "channel"
	// PrivateChannel is a private channel; its messages arrive as message.groups.
	PrivateChannel ChannelType = "group"
	// DirectMessage is a conversation between the bot and one user.
	DirectMessage ChannelType = "im"
)

// Channel is a conversation in a team.
type Channel struct {
	ID   string
	Name string
	Type ChannelType
	// User is the other party of a direct message.
	User string
	// Creator is the member who created the channel, when known.
	Creator string
	// Archived is set by conversations.archive; an archived channel takes
	// no new messages. AddChannel with Archived set adds it archived.
	Archived bool
}

// User is a member of a team, with Slack's account type flags.
type User struct {
	ID                string
	Name              string
	RealName          string
	IsAdmin           bool
	IsOwner           bool
	IsPrimaryOwner    bool
	IsRestricted      bool
	IsUltraRestricted bool
	IsBot             bool
}

// Reaction is one emoji on a message and everyone who added it, in order.
type Reaction struct {
	Name  string
	Users []string
}

// Message is a message stored in a channel.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	// User posted the message; for bot messages it is the bot user id.
	User string
	// BotID is set on messages posted with a bot token.
	BotID     string
	Text      string
	Blocks    json.RawMessage
	EditedTS  string
	Reactions []Reaction
	// EphemeralTo is the only user who sees an ephemeral message.
	EphemeralTo string
}

// Delivery records one attempt to deliver an event to the events URL.
type Delivery struct {
	EventID string
	Type    string
	// Attempt is 0 for the first delivery and 1..3 for retries.
	Attempt int
	Status  int
	// Reason is why the attempt failed: http_timeout, http_error or
	// connection_failed; empty on success.
	Reason string
	At     time.Time
}

type install struct {
	teamID    string
	token     string
	scopes    []string
	revoked   bool
	installer string
}

func cloneMessage(m *Message) Message {
	out := *m
	out.Reactions = make([]Reaction, len(m.Reactions))
	for i, r := range m.Reactions {
		out.Reactions[i] = Reaction{Name: r.Name, Users: append([]string(nil), r.Users...)}
	}
	return out
}
