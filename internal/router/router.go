package router

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/pattern"
)

// compiled is a registered command with its compiled pattern.
type compiled struct {
	cmd     bot.Command
	pattern *pattern.Pattern
}

// group returns the help section a command is listed under.
func group(c *bot.Command) string {
	if c.Group == "" {
		return "General"
	}
	return c.Group
}

// Router holds the registered commands, matches messages to them,
// authorizes the caller and runs the handler.
type Router struct {
	mu        sync.RWMutex
	set       *pattern.Set
	commands  []*compiled
	auth      bot.Authorizer
	approvals Gate
	risk      RiskPolicy
	now       func() time.Time
}

// Options configure a Router.
type Options struct {
	// Authorizer answers permission checks; without one, every command
	// that names a permission is denied.
	Authorizer bot.Authorizer
	// Approvals takes the commands that need approvals (ApprovalsNeeded
	// above 0); without a gate they are denied. SetApprovalGate sets it
	// later, as the approval workflow needs the router first.
	Approvals Gate
	// Risk maps commands' Risk levels to approvals; DefaultRiskPolicy
	// when nil; negative counts mean 0. SetRiskPolicy changes it at runtime.
	Risk *RiskPolicy
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// New returns a router with the built-in help commands registered.
func New(opts Options) *Router {
	r := &Router{set: pattern.NewSet(), auth: opts.Authorizer, approvals: opts.Approvals, risk: DefaultRiskPolicy(), now: opts.Now}
	if r.now == nil {
		r.now = time.Now
	}
	if opts.Risk != nil {
		r.risk = *opts.Risk
	}
	if err := r.Register(r.helpCommands()...); err != nil {
		panic(fmt.Sprintf("built-in help commands: %v", err)) // fixed patterns: a bug here is a programming error
	}
	return r
}

// Register validates and adds commands. It fails, adding none of the
// remaining ones, at the first invalid command or one whose pattern could
// match the same messages as a registered one.
func (r *Router) Register(cmds ...bot.Command) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cmds {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("register command %q: %w", c.Pattern, err)
		}
		p, err := pattern.Compile(c.Pattern)
		if err != nil {
			return fmt.Errorf("register command: %w", err)
		}
		if _, err := r.set.Add(p); err != nil {
			return fmt.Errorf("register command %q: %w", c.Pattern, err)
		}
		c.Channels = append([]string(nil), c.Channels...)
		r.commands = append(r.commands, &compiled{cmd: c, pattern: p})
	}
	return nil
}

// Commands returns the registered commands in registration order.
func (r *Router) Commands() []bot.Command {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]bot.Command, len(r.commands))
	for i, c := range r.commands {
		out[i] = c.cmd
	}
	return out
}

// Handle routes msg, authorizes it, runs the matched handler (or hands it
// to the approval gate) and replies through out. It returns the audit
// record; a failed reply is noted in its Result.
func (r *Router) Handle(ctx context.Context, msg bot.Message, out bot.Responder) Invocation {
	start := r.now()
	inv := Invocation{TeamID: msg.TeamID, ChannelID: msg.ChannelID, UserID: msg.UserID, MessageTS: msg.TS, Text: msg.Text, At: start}
	reply := func(text string) {
		if err := out.Reply(ctx, text); err != nil {
			inv.Result = joinResult(inv.Result, "reply failed: "+err.Error())
		}
	}
	r.mu.RLock()
	res := r.set.Match(msg.Text)
	var cmd *compiled
	var near []*compiled
	if res.Found {
		cmd = r.commands[res.Index]
	}
	for _, i := range res.NearMiss {
		if r.commands[i].cmd.AllowedIn(msg.ChannelID) {
			near = append(near, r.commands[i])
		}
	}
	r.mu.RUnlock()

	switch {
	case cmd == nil && len(near) > 0:
		inv.Verdict, inv.Command = Usage, near[0].cmd.Usage()
		inv.Reason = near[0].pattern.Explain(msg.Text)
		if res.Err != nil && res.NearMiss[0] == indexOf(r, near[0]) {
			inv.Reason = res.Err.Error()
		}
		reply(usageText(near, inv.Reason))
	case cmd == nil:
		inv.Verdict, inv.Reason = Unknown, "no command matches"
		reply(r.unknownText(msg.Text, msg.ChannelID))
	default:
		inv.Command = cmd.cmd.Usage()
		req := bot.NewRequest(msg, &cmd.cmd, res.Args, out)
		r.authorizeAndRun(ctx, req, &inv, reply)
	}
	inv.Duration = r.now().Sub(start)
	return inv
}

func (r *Router) authorizeAndRun(ctx context.Context, req *bot.Request, inv *Invocation, reply func(string)) {
	cmd := req.Command
	if !cmd.AllowedIn(req.ChannelID) {
		where := "this channel"
		if req.Direct {
			where = "a direct message"
		}
		inv.Verdict, inv.Reason = Denied, "not available in "+where
		reply(fmt.Sprintf("Denied: `%s` is not available in %s. It works in %s.", cmd.Usage(), where, channelList(cmd.Channels)))
		return
	}
	if cmd.Permission != "" && req.Direct {
		// Roles grant permissions on channels (and the workspaces and
		// enterprises above them); a direct message is none of these.
		inv.Verdict, inv.Reason = Denied, "needs a permission, which no role grants in a direct message"
		text := fmt.Sprintf("Denied: `%s` needs %s, which roles grant on channels, so it does not run in a direct message: "+
			"ask in a channel where you hold %s.", cmd.Usage(), cmd.Permission, cmd.Permission)
		if n := r.ApprovalsNeeded(cmd); n > 0 {
			text += fmt.Sprintf(" Its %d approver(s) could not see a direct message either.", n)
		}
		reply(text)
		return
	}
	if cmd.Permission != "" {
		d, err := r.check(ctx, req.Message, cmd.Permission)
		if err != nil {
			inv.Verdict, inv.Reason = Denied, "permission service unavailable: "+err.Error()
			reply(fmt.Sprintf("Denied: the permission service is unavailable, so `%s` was not run. Try again in a moment.", cmd.Usage()))
			return
		}
		if !d.Allowed {
			inv.Verdict, inv.Reason = Denied, d.Reason
			reply(fmt.Sprintf("Denied: you need %s here to run `%s`. %s", cmd.Permission, cmd.Usage(), d.Reason))
			return
		}
		inv.Reason = d.Reason
	}
	if needed := r.ApprovalsNeeded(cmd); needed > 0 {
		r.mu.RLock()
		gate := r.approvals
		r.mu.RUnlock()
		if gate == nil {
			inv.Verdict, inv.Reason = Denied, "approvals are not enabled"
			reply(fmt.Sprintf("Denied: `%s` needs %d approval(s), and approvals are not enabled on this bot.", cmd.Usage(), needed))
			return
		}
		inv.Verdict = Pending
		if err := gate.Submit(ctx, req); err != nil {
			inv.Result = "error: " + err.Error()
			reply("Could not open the approval request: " + err.Error())
		}
		return
	}
	inv.Verdict = Ran
	if err := runHandler(ctx, req); err != nil {
		inv.Result = "error: " + err.Error()
		reply(fmt.Sprintf("`%s` failed: %v", cmd.Usage(), err))
		return
	}
	inv.Result = "ok"
}

// SetApprovalGate sets the gate that takes commands needing approvals.
func (r *Router) SetApprovalGate(g Gate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.approvals = g
}

// SetRiskPolicy changes how Risk levels map to approvals for requests
// made from now on.
func (r *Router) SetRiskPolicy(p RiskPolicy) error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("set risk policy: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.risk = p
	return nil
}

// RiskPolicy returns the current risk setting.
func (r *Router) RiskPolicy() RiskPolicy {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.risk
}

// ApprovalsNeeded is how many people besides the caller must approve cmd:
// the larger of cmd.Approvals and what the risk policy gives its Risk.
func (r *Router) ApprovalsNeeded(cmd *bot.Command) int {
	return max(cmd.Approvals, r.RiskPolicy().For(cmd.Risk))
}

// Resolve matches msg to a registered command again, as when an approved
// request runs, possibly in another process than the one that opened it.
// The request replies through out.
func (r *Router) Resolve(msg bot.Message, out bot.Responder) (*bot.Request, error) {
	r.mu.RLock()
	res := r.set.Match(msg.Text)
	var cmd *compiled
	if res.Found {
		cmd = r.commands[res.Index]
	}
	r.mu.RUnlock()
	if cmd == nil {
		return nil, fmt.Errorf("resolve %q: no registered command matches it", clip(msg.Text, 80))
	}
	return bot.NewRequest(msg, &cmd.cmd, res.Args, out), nil
}

// Run runs the handler of req, turning a panic into an error so one bad
// command cannot take the worker down: an approved request runs through
// it too.
func (r *Router) Run(ctx context.Context, req *bot.Request) error { return runHandler(ctx, req) }

// runHandler runs the handler, turning a panic into an error.
func runHandler(ctx context.Context, req *bot.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return req.Command.Handler(ctx, req)
}

// Authorize asks the router's authorizer whether msg's author may use
// permission in msg's channel, failing closed: an error (none configured,
// the service unreachable) means deny.
func (r *Router) Authorize(ctx context.Context, msg bot.Message, permission string) (bot.Decision, error) {
	return r.check(ctx, msg, permission)
}

// check asks the authorizer, failing closed when there is none.
func (r *Router) check(ctx context.Context, msg bot.Message, permission string) (bot.Decision, error) {
	if r.auth == nil {
		return bot.Decision{}, fmt.Errorf("no permission service configured")
	}
	d, err := r.auth.CheckPermission(ctx, msg.TeamID, msg.UserID, msg.ChannelID, permission)
	if err != nil {
		return bot.Decision{}, fmt.Errorf("check %s for %s in %s: %w", permission, msg.UserID, msg.ChannelID, err)
	}
	return d, nil
}

func indexOf(r *Router, c *compiled) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for i, x := range r.commands {
		if x == c {
			return i
		}
	}
	return -1
}

func channelList(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "<#" + id + ">"
	}
	return strings.Join(out, ", ")
}

func joinResult(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// clip shortens s to at most n runes for quoting in a reply.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Matches reports whether text matches a registered command exactly.
func (r *Router) Matches(text string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.set.Match(text).Found
}
