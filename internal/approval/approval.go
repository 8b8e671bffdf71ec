package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Defaults of Options.
const (
	DefaultApproveEmoji  = "white_check_mark"
	DefaultRejectEmoji   = "x"
	DefaultTTL           = time.Hour
	DefaultExpireEvery   = time.Minute
	DefaultRunTimeout    = 15 * time.Minute
	approvalExpireBatch  = 100
	approvalIDHexLength  = 12
	approvalButtonPrefix = "bastion_approval_"
)

// Button action ids of the approval post in ByButton mode.
const (
	ApproveActionID  = approvalButtonPrefix + "approve"
	RejectActionID   = approvalButtonPrefix + "reject"
	WithdrawActionID = approvalButtonPrefix + "withdraw"
)

// Chat is what approvals need from Slack beyond what the workers need
// (slackbot.Chat): Block Kit posts, edits of the bot's posts and the full
// list of reactions on a message. *slackbot.SlackChat implements it.
type Chat interface {
	slackbot.Chat
	// PostBlocks posts a Block Kit message in a thread and returns its ts.
	PostBlocks(ctx context.Context, channelID, threadTS, text string, blocks []slack.Block) (string, error)
	// UpdateMessage edits one of the bot's messages; blocks replace the
	// old ones when given.
	UpdateMessage(ctx context.Context, channelID, ts, text string, blocks []slack.Block) error
	// ReactionUsers maps each emoji on a message to everyone who added it.
	ReactionUsers(ctx context.Context, channelID, ts string) (map[string][]string, error)
}

// Router is what the workflow needs from the router that took a request;
// *router.Router is one.
type Router interface {
	// ApprovalsNeeded is how many people besides the caller must approve
	// cmd.
	ApprovalsNeeded(cmd *bot.Command) int
	// Resolve matches msg to its command again, replying through out;
	// an error means no registered command matches it any more.
	Resolve(msg bot.Message, out bot.Responder) (*bot.Request, error)
	// Authorize asks whether msg's author may use permission in its
	// channel; an error means the answer is unknown, which denies.
	Authorize(ctx context.Context, msg bot.Message, permission string) (bot.Decision, error)
	// Run runs req's handler, a panic turned into an error.
	Run(ctx context.Context, req *bot.Request) error
}

// approverPermission is the permission approvers of cmd must hold.
func approverPermission(cmd *bot.Command) string {
	if cmd.ApprovalPermission != "" {
		return cmd.ApprovalPermission
	}
	return cmd.Permission
}

// ReactionScopes tells which scopes approvals by reaction need
// (reactions:read, reactions:write) a workspace has not granted.
// slackapp.Service answers it with MissingScopes(ctx, teamID,
// slackapp.FeatureApprovalsByReaction); wrap that in ReactionScopesFunc.
type ReactionScopes interface {
	MissingReactionScopes(ctx context.Context, teamID string) ([]string, error)
}

// ReactionScopesFunc adapts a function to ReactionScopes.
type ReactionScopesFunc func(ctx context.Context, teamID string) ([]string, error)

// MissingReactionScopes calls f.
func (f ReactionScopesFunc) MissingReactionScopes(ctx context.Context, teamID string) ([]string, error) {
	return f(ctx, teamID)
}

// Options configure a Workflow. Store, Router and Chat or Chats are
// required.
type Options struct {
	Store Store
	// Router matches an approved request's text to its command again when
	// it runs, and runs it. Make the Workflow its gate
	// (router.SetApprovalGate).
	Router Router
	// Chat answers every workspace with one client (a single bot token).
	Chat Chat
	// Chats picks the client of each request's workspace; it takes
	// precedence over Chat.
	Chats ChatSource
	// Authorizer decides who may approve, asked at the moment of each
	// vote; the Router's when nil.
	Authorizer bot.Authorizer
	// Audit receives an invocation record when a request runs, is
	// rejected or expires; optional (the approval history is always kept).
	Audit router.AuditLog
	// Scopes says whether a workspace granted the scopes reactions need;
	// when nil, reactions are assumed available.
	Scopes ReactionScopes
	// NoButtons refuses commands that need approvals in workspaces without
	// the reaction scopes, saying what to reinstall with, instead of
	// falling back to Approve / Reject buttons.
	NoButtons bool
	// BotUserID is the bot's own user id; its reactions never count.
	BotUserID string
	// BotUsers, when set, names the bot's user per workspace; BotUserID
	// serves the workspaces it names none for.
	BotUsers slackbot.BotUserSource
	// ApproveEmoji and RejectEmoji are the reaction names that vote
	// (defaults white_check_mark and x).
	ApproveEmoji string
	RejectEmoji  string
	// TTL is how long a request waits for approvals (default 1 hour).
	TTL time.Duration
	// ExpireEvery is how often Run looks for expired requests and
	// interrupted runs (default 1 minute).
	ExpireEvery time.Duration
	// RunTimeout is how long a request may stay running with neither an
	// outcome nor a heartbeat before Run declares it interrupted (default
	// 15 minutes): the process running it is taken to have stopped. While
	// a command runs, its process records a heartbeat every KeepAliveEvery,
	// so a slow command is not taken for a dead one.
	RunTimeout time.Duration
	// KeepAliveEvery is how often a running command's heartbeat is
	// recorded (default RunTimeout/3); it must be shorter than RunTimeout.
	KeepAliveEvery time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Workflow is the approval gate: it posts a command's dry run for
// approval, counts votes cast by reaction or button, and runs the command
// exactly once when the caller and enough eligible people approved. All
// state lives in the store, so any worker of any process can take a vote
// and pending requests survive restarts.
type Workflow struct {
	opts  Options
	log   *slog.Logger
	posts postLocks
}

var (
	_ router.Gate           = (*Workflow)(nil)
	_ slackbot.ReactionHook = (*Workflow)(nil)
	_ slackbot.ActionHook   = (*Workflow)(nil)
)

// New checks opts and returns the workflow; make it the router's gate
// (router.SetApprovalGate) so that commands needing approvals reach it.
func New(opts Options) (*Workflow, error) {
	if opts.Store == nil || opts.Router == nil || opts.Chat == nil && opts.Chats == nil {
		return nil, errors.New("new approvals: Store, Router and Chat (or Chats) are required")
	}
	if opts.Chats == nil {
		opts.Chats = singleChat{chat: opts.Chat}
	}
	if opts.Authorizer == nil {
		r := opts.Router
		opts.Authorizer = bot.AuthorizerFunc(func(ctx context.Context, teamID, userID, channelID, permission string) (bot.Decision, error) {
			return r.Authorize(ctx, bot.Message{TeamID: teamID, UserID: userID, ChannelID: channelID}, permission)
		})
	}
	if opts.ApproveEmoji == "" {
		opts.ApproveEmoji = DefaultApproveEmoji
	}
	if opts.RejectEmoji == "" {
		opts.RejectEmoji = DefaultRejectEmoji
	}
	if opts.ApproveEmoji == opts.RejectEmoji {
		return nil, fmt.Errorf("new approvals: approve and reject emoji are both %q", opts.ApproveEmoji)
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.ExpireEvery <= 0 {
		opts.ExpireEvery = DefaultExpireEvery
	}
	if opts.RunTimeout <= 0 {
		opts.RunTimeout = DefaultRunTimeout
	}
	if opts.KeepAliveEvery <= 0 {
		opts.KeepAliveEvery = opts.RunTimeout / 3
	}
	if opts.KeepAliveEvery >= opts.RunTimeout {
		return nil, fmt.Errorf("new approvals: heartbeats every %s would let a running command look dead (RunTimeout %s); make KeepAliveEvery shorter",
			opts.KeepAliveEvery, opts.RunTimeout)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Workflow{opts: opts, log: opts.Logger.With("component", "approvals")}, nil
}

// ID is the id of the request opened by a message: the same
// message never opens two requests.
func ID(teamID, channelID, messageTS string) string {
	sum := sha256.Sum256([]byte(teamID + "/" + channelID + "/" + messageTS))
	return hex.EncodeToString(sum[:])[:approvalIDHexLength]
}

// Submit runs the command's dry run, stores a pending request and posts it
// in the thread with who must approve and how.
func (a *Workflow) Submit(ctx context.Context, req *bot.Request) error {
	now := a.opts.Now()
	needed := a.opts.Router.ApprovalsNeeded(req.Command)
	if needed <= 0 {
		return fmt.Errorf("open approval request: `%s` needs no approvals", req.Command.Usage())
	}
	if req.Direct {
		return fmt.Errorf("`%s` needs %d approver(s), who cannot see a direct message: ask in a channel", req.Command.Usage(), needed)
	}
	if _, err := a.chat(ctx, req.TeamID); err != nil {
		return err
	}
	dry, err := a.dryRun(ctx, req)
	if err != nil {
		return err
	}
	mode, err := a.mode(ctx, req.TeamID)
	if err != nil {
		return err
	}
	ar := Request{
		ID: ID(req.TeamID, req.ChannelID, req.TS), TeamID: req.TeamID, ChannelID: req.ChannelID,
		MessageTS: req.TS, ThreadTS: req.ThreadTS, CallerID: req.UserID, Text: req.Text, Command: req.Command.Usage(),
		Needed: needed, Permission: approverPermission(req.Command), Mode: mode, DryRun: dry, State: Pending,
		CreatedAt: now, ExpiresAt: now.Add(a.opts.TTL),
	}
	return a.open(ctx, ar, false)
}

// open stores ar, pending, and posts it for votes; with callerApproves the
// caller's approval is recorded before the post appears.
func (a *Workflow) open(ctx context.Context, ar Request, callerApproves bool) error {
	chat, err := a.chat(ctx, ar.TeamID)
	if err != nil {
		return err
	}
	created, err := a.opts.Store.CreateApproval(ctx, ar)
	if err != nil {
		return fmt.Errorf("open approval request: %w", err)
	}
	if !created {
		a.log.Info("approval request already open", "id", ar.ID)
		return nil
	}
	if ar.Summary != "" {
		a.event(ctx, ar.ID, "requested", ar.CallerID, fmt.Sprintf("needs %d besides the caller; %s", ar.Needed, ar.Summary))
	} else {
		a.event(ctx, ar.ID, "requested", ar.CallerID, fmt.Sprintf("needs the caller and %d more; dry run: %s", ar.Needed, ar.DryRun))
	}
	if callerApproves {
		if _, err := a.approve(ctx, ar, ar.CallerID, viaRequest); err != nil {
			return fmt.Errorf("open approval request: %w", err)
		}
	}
	text := requestText(ar, a.opts.ApproveEmoji, a.opts.RejectEmoji)
	var postTS string
	if ar.Mode == ByReaction {
		postTS, err = chat.PostReply(ctx, ar.ChannelID, ar.ThreadTS, text)
	} else {
		postTS, err = chat.PostBlocks(ctx, ar.ChannelID, ar.ThreadTS, text, requestBlocks(ar, text))
	}
	if err != nil {
		err = fmt.Errorf("post approval request %s: %w", ar.ID, err)
		if _, serr := a.opts.Store.SettleApproval(context.WithoutCancel(ctx), ar.ID, Pending, Failed, "error: "+err.Error(), a.opts.Now()); serr != nil {
			err = errors.Join(err, serr)
		}
		return err
	}
	if err := a.opts.Store.SetApprovalPost(ctx, ar.ID, postTS); err != nil {
		return fmt.Errorf("open approval request: %w", err)
	}
	ar.PostTS = postTS
	if ar.Mode != ByReaction {
		// Clicks that came before the post was recorded counted; show them.
		votes, err := a.opts.Store.ApprovalVotes(ctx, ar.ID)
		if err == nil && slices.ContainsFunc(votes, func(v Vote) bool { return v.Via != viaRequest }) {
			a.showProgress(ctx, ar)
		}
		return nil
	}
	// The bot adds no reactions of its own to the post: Slack would count
	// them with people's, and a post showing ✅ 2 with one approval says
	// the wrong thing. The post says which emoji to add, and its progress
	// line counts people.
	//
	// Reactions added before the post was recorded found no request; count
	// them now. The request is open either way: a failure here is made
	// good by the next reaction.
	if err := a.reconcile(ctx, ar, nil); err != nil {
		a.log.Warn("count early reactions", "id", ar.ID, "err", err)
	}
	return nil
}

// chat is the Slack client of a request's workspace.
func (a *Workflow) chat(ctx context.Context, teamID string) (Chat, error) {
	c, err := a.opts.Chats.ChatFor(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("slack client of team %s: %w", teamID, err)
	}
	return c, nil
}

// dryRun runs the command's DryRun, turning a panic into an error.
func (a *Workflow) dryRun(ctx context.Context, req *bot.Request) (out string, err error) {
	if req.Command.DryRun == nil {
		return "", nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("dry run of `%s` panicked: %v", req.Command.Usage(), p)
		}
	}()
	out, err = req.Command.DryRun(ctx, req)
	if err != nil {
		return "", fmt.Errorf("dry run of `%s` failed: %w", req.Command.Usage(), err)
	}
	return strings.TrimSpace(out), nil
}

// mode picks reactions where the workspace granted their scopes, buttons
// otherwise, or refuses when buttons are turned off.
func (a *Workflow) mode(ctx context.Context, teamID string) (Mode, error) {
	if a.opts.Scopes == nil {
		return ByReaction, nil
	}
	missing, err := a.opts.Scopes.MissingReactionScopes(ctx, teamID)
	if err != nil {
		a.log.Warn("scopes for approvals by reaction unknown; using buttons", "team", teamID, "err", err)
		missing = []string{"reactions:read", "reactions:write"}
	}
	if len(missing) == 0 {
		return ByReaction, nil
	}
	if a.opts.NoButtons {
		return "", fmt.Errorf("approvals by reaction need the scopes %s, which this workspace has not granted: "+
			"reinstall the app with them", strings.Join(missing, ", "))
	}
	return ByButton, nil
}
