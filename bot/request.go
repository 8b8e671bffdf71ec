package bot

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion/bot/pattern"
)

// Message is a chat message addressed to the bot, with the bot's mention
// already stripped from Text.
type Message struct {
	TeamID string
	// EnterpriseID is the workspace's Enterprise Grid organisation, when
	// it belongs to one.
	EnterpriseID string
	ChannelID    string
	UserID       string
	Text         string
	// TS is the message's Slack timestamp, its id within the channel.
	TS string
	// ThreadTS is the thread to reply in: the message's thread when it is
	// a thread reply, else the message itself.
	ThreadTS string
	// Direct is true in a direct message with the bot.
	Direct bool
}

// Responder delivers the bot's replies to a message.
type Responder interface {
	Reply(ctx context.Context, text string) error
}

// Request is a message matched to a command, handed to its handler and
// its dry run.
type Request struct {
	Message
	// Command is the matched command.
	Command *Command
	// Args holds the typed placeholder values by name.
	Args pattern.Args
	out  Responder
}

// NewRequest returns the request the bot hands cmd's handler for msg,
// with the placeholder values args, replying through out. Tests of a
// handler call it with a Responder that records the replies.
func NewRequest(msg Message, cmd *Command, args pattern.Args, out Responder) *Request {
	return &Request{Message: msg, Command: cmd, Args: args, out: out}
}

// Reply posts text in the request's thread.
func (r *Request) Reply(ctx context.Context, text string) error {
	if err := r.out.Reply(ctx, text); err != nil {
		return fmt.Errorf("reply to %s: %w", r.TS, err)
	}
	return nil
}

// Replyf formats and posts a reply.
func (r *Request) Replyf(ctx context.Context, format string, args ...any) error {
	return r.Reply(ctx, fmt.Sprintf(format, args...))
}
