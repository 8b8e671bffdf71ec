package httpcommand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/bastionhq/bastion/bot"
)

// Dry runs are tried up to dryRunAttempts times, dryRunBackoff apart (and
// more each time), within the command's timeout.
const (
	dryRunAttempts = 3
	dryRunBackoff  = 200 * time.Millisecond
	// finishTimeout bounds recording a run's outcome.
	finishTimeout = 10 * time.Second
)

// Options configure the commands built from a file.
type Options struct {
	// Ledger records each run before it is sent. Required.
	Ledger RunLedger
	// Transport makes the HTTP calls (default: a clone of
	// http.DefaultTransport, proxies from the environment included).
	Transport http.RoundTripper
	// Now is the clock of signatures and the ledger (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Commands returns the file's commands as bot commands, in file order,
// to register with the rest.
func (f *File) Commands(opts Options) ([]bot.Command, error) {
	if opts.Ledger == nil {
		return nil, errors.New("http commands: a run ledger is required")
	}
	if f.SecretsSkipped {
		return nil, fmt.Errorf("http commands: %s was checked without its signing secrets and cannot be served", f.Name)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	client := newHTTPClient(opts.Transport)
	out := make([]bot.Command, 0, len(f.Specs))
	for _, s := range f.Specs {
		if s.secret == nil || s.endpoint == nil {
			return nil, fmt.Errorf("http commands: %s:%d was not checked (use Load or Parse)", f.Name, s.Line)
		}
		c := &command{spec: s, opts: opts, client: client,
			log: opts.Logger.With("component", "http_command", "command", s.Pattern, "endpoint", s.endpoint.Host)}
		var dry func(context.Context, *bot.Request) (string, error)
		if s.DryRun {
			dry = c.dryRun
		}
		out = append(out, s.command(c.run, dry))
	}
	return out, nil
}

// command builds the bot command of s with its handler and dry run.
func (s Spec) command(handler func(context.Context, *bot.Request) error, dry func(context.Context, *bot.Request) (string, error)) bot.Command {
	return bot.Command{
		Pattern: s.Pattern, Description: s.Description, Group: s.Group, Channels: s.Channels,
		Permission: s.Permission, ApprovalPermission: s.ApprovalPermission, Approvals: s.Approvals, Risk: s.Risk,
		DryRun: dry, Handler: handler,
	}
}

// command is one file command bound to its HTTP client and ledger.
type command struct {
	spec   Spec
	opts   Options
	client *http.Client
	log    *slog.Logger
}

// dryRun asks the endpoint what the command would do. Since a dry run
// changes nothing, it is tried again while nothing was sent or the
// endpoint answers 502, 503 or 504, all within the command's timeout.
func (c *command) dryRun(ctx context.Context, req *bot.Request) (string, error) {
	p := newPayload(PhaseDryRun, req)
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode the dry run: %w", err)
	}
	start := c.opts.Now()
	ctx, cancel := context.WithTimeout(ctx, c.spec.Timeout)
	defer cancel()
	var res result
	for attempt := 1; ; attempt++ {
		res = c.post(ctx, body)
		if !res.retryable() || attempt == dryRunAttempts || sleepCtx(ctx, time.Duration(attempt)*dryRunBackoff) != nil {
			break
		}
	}
	c.log.Info("dry run", "request_id", p.RequestID, "outcome", res.outcome, "detail", res.detail(), "duration", c.opts.Now().Sub(start))
	if res.outcome != OutcomeOK {
		return "", c.failure(PhaseDryRun, p.RequestID, res)
	}
	return res.answer.Summary(), nil
}

// run records the run in the ledger, sends it once, records its outcome
// and posts the answer in the thread.
func (c *command) run(ctx context.Context, req *bot.Request) error {
	p := newPayload(PhaseRun, req)
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode the run: %w", err)
	}
	endpoint := *c.spec.endpoint
	endpoint.RawQuery = ""
	stored, won, err := c.opts.Ledger.ClaimRun(ctx, Run{RequestID: p.RequestID, Command: p.Command, Endpoint: endpoint.String(),
		TeamID: p.TeamID, ChannelID: p.ChannelID, UserID: p.UserID, ClaimedAt: c.opts.Now()})
	if err != nil {
		return fmt.Errorf("nothing was sent to %s: the run could not be recorded first (%v); say the command again to retry", c.spec.Host(), err)
	}
	if !won {
		c.log.Warn("run already sent; not sending it again", "request_id", p.RequestID, "outcome", stored.Outcome)
		return c.alreadySent(stored)
	}
	start := c.opts.Now()
	callCtx, cancel := context.WithTimeout(ctx, c.spec.Timeout)
	res := c.post(callCtx, body)
	cancel()
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	if err := c.opts.Ledger.FinishRun(fctx, p.RequestID, res.outcome, res.detail(), c.opts.Now()); err != nil {
		c.log.Error("record the outcome of a run", "request_id", p.RequestID, "outcome", res.outcome, "err", err)
	}
	fcancel()
	c.log.Info("run", "request_id", p.RequestID, "outcome", res.outcome, "detail", res.detail(), "duration", c.opts.Now().Sub(start))
	if res.outcome != OutcomeOK {
		return c.failure(PhaseRun, p.RequestID, res)
	}
	return c.reply(ctx, req, res.answer)
}

// reply posts the answer in the thread. Blocks that Slack refuses are
// replaced by the answer's text and a note: the command ran either way.
func (c *command) reply(ctx context.Context, req *bot.Request, a Answer) error {
	if a.Blocks == nil {
		return req.Reply(ctx, a.Text)
	}
	text := a.Summary()
	if text == "" {
		text = "`" + req.Command.Usage() + "` ran."
	}
	err := req.ReplyBlocks(ctx, clip(text, MaxTextLength), a.slackBlocks())
	if err == nil {
		return nil
	}
	c.log.Warn("post the blocks of an answer", "err", err)
	return req.Reply(ctx, clip(text, MaxTextLength)+"\n_(The blocks of this answer could not be shown: "+err.Error()+")_")
}
