package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

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

// BlockResponder is a Responder that can also post Block Kit messages;
// the replies in Slack threads are. Request.ReplyBlocks falls back to
// text for the others (such as `bastion shell`).
type BlockResponder interface {
	Responder
	// ReplyBlocks posts blocks, with text as the notification and
	// fallback text.
	ReplyBlocks(ctx context.Context, text string, blocks []slack.Block) error
}

// Request is a message matched to a command, handed to its handler and
// its dry run.
type Request struct {
	Message
	// Command is the matched command.
	Command *Command
	// Args holds the typed placeholder values by name.
	Args pattern.Args
	// Approvers lists who approved the request, the caller first, when
	// the command runs after approvals; it is empty otherwise, and in
	// dry runs (nobody has approved yet).
	Approvers []string
	out       Responder
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

// ReplyBlocks posts a Block Kit message in the request's thread, with text
// as its notification and fallback text; where replies cannot carry
// blocks, it posts text alone.
func (r *Request) ReplyBlocks(ctx context.Context, text string, blocks []slack.Block) error {
	b, ok := r.out.(BlockResponder)
	if !ok {
		return r.Reply(ctx, text)
	}
	if err := b.ReplyBlocks(ctx, text, blocks); err != nil {
		return fmt.Errorf("reply to %s: %w", r.TS, err)
	}
	return nil
}
