package slackbot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/router"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/queue"
)

// WorkerOptions configure a Worker. Queue, Router, Chat or Chats, Claims
// and Audit are required.
type WorkerOptions struct {
	Queue  queue.Queue
	Router Router
	// Chat answers every workspace with one client (a single bot token).
	Chat Chat
	// Chats picks the client of the workspace each message came from; it
	// takes precedence over Chat.
	Chats  ChatSource
	Claims ClaimStore
	Audit  router.AuditLog
	// Reactions receives reaction_added and reaction_removed events; they
	// are dropped when nil.
	Reactions ReactionHook
	// Actions receives button clicks (block_actions queued by
	// InteractionsHandler); they are dropped when nil.
	Actions ActionHook
	// Renames receives user_change, channel_rename, group_rename and
	// team_rename; they are dropped when nil.
	Renames RenameHook
	// BotUserID is the bot's own user id: its messages are ignored and its
	// mention addresses it.
	BotUserID string
	// BotUsers, when set, names the bot's user per workspace; BotUserID
	// serves the workspaces it names none for.
	BotUsers BotUserSource
	// MarkerEmoji marks each message the bot takes (default "eyes").
	MarkerEmoji string
	// MarkerTimeout bounds adding the marker (default 5 s). The marker is
	// best-effort: when Slack is slow or rate limits reactions.add past
	// this, the command runs without it.
	MarkerTimeout time.Duration
	// ListenWithoutMention also treats channel messages that do not
	// mention the bot as commands, staying silent when none matches.
	ListenWithoutMention bool
	// Lease is how long a running claim may go without a heartbeat before a
	// redelivery declares its worker dead (default 2 minutes); heartbeats
	// are sent every Lease/4.
	Lease time.Duration
	// Name identifies the worker in claims (default random).
	Name string
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Router routes a message to its command, authorizes the caller and runs
// the handler or hands it to the approval workflow; *router.Router is one.
type Router interface {
	// Handle answers msg through out and returns its audit record.
	Handle(ctx context.Context, msg bot.Message, out bot.Responder) router.Invocation
	// Matches reports whether text matches a command exactly.
	Matches(text string) bool
}

// Worker takes Slack events from the queue and handles each message once.
type Worker struct {
	opts WorkerOptions
	log  *slog.Logger
}

// NewWorker checks opts and returns a worker.
func NewWorker(opts WorkerOptions) (*Worker, error) {
	switch {
	case opts.Queue == nil, opts.Router == nil, opts.Chat == nil && opts.Chats == nil, opts.Claims == nil, opts.Audit == nil:
		return nil, errors.New("new worker: Queue, Router, Chat (or Chats), Claims and Audit are required")
	}
	if opts.Chats == nil {
		opts.Chats = singleChat{chat: opts.Chat}
	}
	if opts.MarkerEmoji == "" {
		opts.MarkerEmoji = "eyes"
	}
	if opts.MarkerTimeout <= 0 {
		opts.MarkerTimeout = 5 * time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Name == "" {
		var b [6]byte
		rand.Read(b[:])
		opts.Name = "worker-" + hex.EncodeToString(b[:])
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Worker{opts: opts, log: opts.Logger.With("worker", opts.Name)}, nil
}

// Run handles deliveries until ctx ends or the queue closes.
func (w *Worker) Run(ctx context.Context) error {
	for {
		d, err := w.opts.Queue.Receive(ctx)
		switch {
		case ctx.Err() != nil || errors.Is(err, queue.ErrClosed):
			return nil
		case err != nil:
			w.log.Error("receive from queue", "err", err)
			if sleepContext(ctx, time.Second) != nil {
				return nil
			}
			continue
		}
		if err := w.Process(ctx, d); err != nil {
			w.log.Error("process delivery", "id", d.ID(), "attempt", d.Attempt(), "err", err)
			if nerr := d.Nack(context.WithoutCancel(ctx), time.Second); nerr != nil {
				w.log.Error("nack delivery", "id", d.ID(), "err", nerr)
			}
		}
	}
}

// Process handles one delivery and acknowledges it, or returns an error
// for the caller to give it back for another try.
func (w *Worker) Process(ctx context.Context, d queue.Delivery) error {
	in, err := decodeEvent(d.Body(), w.opts.BotUserID)
	if err != nil {
		w.log.Warn("dropping malformed event", "id", d.ID(), "err", err)
		return w.ack(ctx, d)
	}
	botUser := w.opts.BotUserID
	if ws := in.workspace(); ws.TeamID != "" {
		if botUser, err = BotUserIn(ctx, w.opts.BotUsers, ws, w.opts.BotUserID); err != nil {
			return err
		}
		if in.byUser(botUser) {
			return w.ack(ctx, d) // the bot's own doing in this workspace
		}
	}
	switch {
	case in.reaction != nil:
		if w.opts.Reactions != nil {
			if err := w.opts.Reactions.HandleReaction(ctx, *in.reaction); err != nil {
				return w.hookFailed(ctx, d, fmt.Errorf("handle reaction on %s: %w", in.reaction.MessageTS, err))
			}
		}
		return w.ack(ctx, d)
	case in.action != nil:
		if w.opts.Actions != nil {
			if err := w.opts.Actions.HandleAction(ctx, *in.action); err != nil {
				return w.hookFailed(ctx, d, fmt.Errorf("handle action %s on %s: %w", in.action.ActionID, in.action.MessageTS, err))
			}
		}
		return w.ack(ctx, d)
	case in.rename != nil:
		if w.opts.Renames != nil {
			if err := w.opts.Renames.HandleRename(ctx, *in.rename); err != nil {
				return fmt.Errorf("handle the rename of %s %s: %w", in.rename.Kind, in.rename.ID, err)
			}
		}
		return w.ack(ctx, d)
	case in.message == nil:
		w.log.Debug("ignoring event", "id", d.ID(), "why", in.ignore)
		return w.ack(ctx, d)
	}
	msg := *in.message
	text, addressed := addressedText(msg.Text, botUser)
	if !addressed && !msg.Direct && !w.opts.ListenWithoutMention {
		return w.ack(ctx, d)
	}
	msg.Text = text
	return w.handleMessage(ctx, d, msg, addressed || msg.Direct)
}

// hookFailed gives a reaction or click back for another try, unless it
// failed because its workspace has no Slack client: then no retry helps.
func (w *Worker) hookFailed(ctx context.Context, d queue.Delivery, err error) error {
	if errors.Is(err, ErrNoChat) {
		w.log.Info("dropping event of a workspace without the app", "id", d.ID(), "err", err)
		return w.ack(ctx, d)
	}
	return err
}

func (w *Worker) handleMessage(ctx context.Context, d queue.Delivery, msg bot.Message, addressed bool) error {
	chat, err := w.opts.Chats.ChatFor(ctx, Workspace{TeamID: msg.TeamID, EnterpriseID: msg.EnterpriseID})
	switch {
	case errors.Is(err, ErrNoChat):
		w.log.Info("dropping message of a workspace without the app", "team", msg.TeamID, "ts", msg.TS, "err", err)
		return w.ack(ctx, d)
	case err != nil:
		return fmt.Errorf("slack client of team %s: %w", msg.TeamID, err)
	}
	key := MessageKey{TeamID: msg.TeamID, ChannelID: msg.ChannelID, TS: msg.TS}
	claim, err := w.opts.Claims.Claim(ctx, key, d.ID(), w.opts.Name, w.opts.Now())
	if err != nil {
		return err
	}
	if !claim.Won {
		return w.settleTaken(ctx, d, chat, msg, claim)
	}
	if !addressed && !w.opts.Router.Matches(msg.Text) {
		// Chatter in a listening channel: release nothing, say nothing.
		if _, err := w.opts.Claims.Finish(ctx, key, w.opts.Name, ClaimDone, w.opts.Now()); err != nil {
			return err
		}
		return w.ack(ctx, d)
	}
	// The claim is kept alive from here on, whatever Slack does: a
	// redelivery must not declare this worker dead while it waits on Slack.
	stopBeat := w.heartbeat(ctx, key)
	w.mark(ctx, chat, msg)
	// Run only while the claim is still this worker's: a redelivery that
	// found it stale has told the thread the command was not run.
	held, err := w.opts.Claims.Heartbeat(ctx, key, w.opts.Name, w.opts.Now())
	if err != nil || !held {
		stopBeat()
		if err != nil {
			return fmt.Errorf("confirm the claim of %s before running it: %w", msg.TS, err)
		}
		w.log.Warn("claim was declared interrupted before the command started; not running it", "team", msg.TeamID,
			"channel", msg.ChannelID, "ts", msg.TS)
		return w.ack(ctx, d)
	}
	inv := w.opts.Router.Handle(ctx, msg, threadReply{chat: chat, channel: msg.ChannelID, thread: msg.ThreadTS})
	stopBeat()
	done := context.WithoutCancel(ctx)
	finished, err := w.opts.Claims.Finish(done, key, w.opts.Name, ClaimDone, w.opts.Now())
	if err != nil {
		w.log.Error("finish claim", "ts", msg.TS, "err", err)
	} else if !finished {
		w.log.Warn("claim was declared interrupted while the handler ran", "ts", msg.TS)
		inv.Result = joinResult(inv.Result, "finished after being declared interrupted")
	}
	if err := w.opts.Audit.RecordInvocation(done, inv); err != nil {
		w.log.Error("record invocation", "ts", msg.TS, "err", err)
	}
	return w.ack(done, d)
}

// settleTaken deals with a message another delivery already claimed.
func (w *Worker) settleTaken(ctx context.Context, d queue.Delivery, chat Chat, msg bot.Message, claim Claim) error {
	if claim.State != ClaimRunning || claim.DeliveryID != d.ID() {
		// Handled, or a duplicate of a message in hand.
		w.log.Debug("dropped duplicate message", "team", msg.TeamID, "channel", msg.ChannelID, "ts", msg.TS, "id", d.ID(), "state", claim.State)
		return w.ack(ctx, d)
	}
	now := w.opts.Now()
	if now.Sub(claim.Heartbeat) <= w.opts.Lease {
		// Its worker is alive but slow: look again once the lease could lapse.
		if err := d.Nack(ctx, w.opts.Lease/2); err != nil {
			return fmt.Errorf("nack while %s runs %s: %w", claim.Worker, msg.TS, err)
		}
		return nil
	}
	key := MessageKey{TeamID: msg.TeamID, ChannelID: msg.ChannelID, TS: msg.TS}
	interrupted, err := w.opts.Claims.Interrupt(ctx, key, now.Add(-w.opts.Lease), now)
	if err != nil {
		return err
	}
	if interrupted {
		text := "This command was interrupted: the worker that took it stopped answering before it finished, " +
			"so it may not have run, or run only in part. It will not be run again; check its effect before you retry it."
		if _, err := chat.PostReply(ctx, msg.ChannelID, msg.ThreadTS, text); err != nil {
			w.log.Error("report interruption", "ts", msg.TS, "err", err)
		}
		inv := router.Invocation{TeamID: msg.TeamID, ChannelID: msg.ChannelID, UserID: msg.UserID, MessageTS: msg.TS, Text: msg.Text,
			Verdict: router.Interrupted, Reason: "worker " + claim.Worker + " stopped mid-handler", At: now}
		if err := w.opts.Audit.RecordInvocation(ctx, inv); err != nil {
			w.log.Error("record invocation", "ts", msg.TS, "err", err)
		}
	}
	return w.ack(ctx, d)
}

// mark adds the marker emoji to msg, best-effort: within MarkerTimeout,
// and a failure is only logged.
func (w *Worker) mark(ctx context.Context, chat Chat, msg bot.Message) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.MarkerTimeout)
	defer cancel()
	if err := chat.AddReaction(ctx, msg.ChannelID, msg.TS, w.opts.MarkerEmoji); err != nil {
		w.log.Warn("add marker reaction", "channel", msg.ChannelID, "ts", msg.TS, "err", err)
	}
}

// heartbeat keeps the claim fresh until the returned stop is called or
// ctx ends.
func (w *Worker) heartbeat(ctx context.Context, key MessageKey) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(w.opts.Lease / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				held, err := w.opts.Claims.Heartbeat(ctx, key, w.opts.Name, w.opts.Now())
				switch {
				case ctx.Err() != nil:
				case err != nil:
					w.log.Warn("heartbeat", "ts", key.TS, "err", err)
				case !held:
					w.log.Warn("heartbeat: the claim was declared interrupted", "ts", key.TS)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (w *Worker) ack(ctx context.Context, d queue.Delivery) error {
	if err := d.Ack(ctx); err != nil {
		// The message may come back; its claim keeps it from running twice.
		w.log.Warn("ack delivery", "id", d.ID(), "err", err)
	}
	return nil
}

// threadReply is a Responder posting in a Slack thread.
type threadReply struct {
	chat    Chat
	channel string
	thread  string
}

func (t threadReply) Reply(ctx context.Context, text string) error {
	_, err := t.chat.PostReply(ctx, t.channel, t.thread, text)
	return err
}

// ReplyBlocks posts blocks in the thread when the Chat can (SlackChat
// can), text alone otherwise.
func (t threadReply) ReplyBlocks(ctx context.Context, text string, blocks []slack.Block) error {
	bc, ok := t.chat.(blockPoster)
	if !ok {
		return t.Reply(ctx, text)
	}
	_, err := bc.PostBlocks(ctx, t.channel, t.thread, text, blocks)
	return err
}

// blockPoster is what posts Block Kit messages (SlackChat does).
type blockPoster interface {
	PostBlocks(ctx context.Context, channelID, threadTS, text string, blocks []slack.Block) (string, error)
}

// joinResult appends b to an invocation's result a.
func joinResult(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
