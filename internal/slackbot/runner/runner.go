package runner

import (
	"context"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/queue"
	"github.com/bastionhq/bastion/store/botsql"
)

// Runner is an assembled bot: its HTTP ingress, workers and background
// loops. Create it with New, serve Handler, call Run, then Close.
type Runner struct {
	opts      Options
	log       *slog.Logger
	router    *router.Router
	queue     queue.Queue
	ownsQueue bool
	drain     *drainQueue
	workers   []*slackbot.Worker
	pruner    ClaimPruner
	handler   http.Handler
	botUserID string
	running   atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// New checks opts, opens what the runner owns (the queue, the botsql
// store), asks Slack who the bot is when BotUserID is empty, and builds
// the router, workers and HTTP handler. Nothing runs until Run.
func New(ctx context.Context, opts Options) (*Runner, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Runner{opts: o, log: o.Logger.With("component", "bot")}
	if err := r.setUpStores(ctx); err != nil {
		return nil, err
	}
	if r.botUserID = o.BotUserID; r.botUserID == "" {
		if r.botUserID, err = r.whoAmI(ctx); err != nil {
			return nil, err
		}
	}
	if r.queue, r.ownsQueue, err = openQueue(ctx, o); err != nil {
		return nil, err
	}
	r.drain = newDrainQueue(r.queue)
	if err := r.setUpRouter(); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.setUpWorkers(); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.setUpHandler(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Runner) setUpRouter() error {
	r.router = r.opts.Router
	if r.router == nil {
		r.router = router.New(router.Options{Authorizer: r.opts.Authorizer, Approvals: r.opts.Approvals, Now: r.opts.Now})
	}
	if err := r.router.Register(r.opts.Commands...); err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	return nil
}

// setUpStores opens the botsql store for claims and audit when they are
// not given, and picks the claim pruner.
func (r *Runner) setUpStores(ctx context.Context) error {
	if r.opts.Claims == nil || r.opts.Audit == nil {
		st, err := botsql.Open(ctx, r.opts.DB)
		if err != nil {
			return fmt.Errorf("runner: %w", err)
		}
		if r.opts.Claims == nil {
			r.opts.Claims = st
		}
		if r.opts.Audit == nil {
			r.opts.Audit = st
		}
	}
	r.pruner, _ = r.opts.Claims.(ClaimPruner)
	return nil
}

// whoAmI asks auth.test for the bot's user id.
func (r *Runner) whoAmI(ctx context.Context) (string, error) {
	user, err := BotUser(ctx, r.opts.BotToken, r.opts.APIURL, r.opts.HTTPClient)
	if err != nil {
		return "", fmt.Errorf("runner: %w", err)
	}
	r.log.Info("slack bot identified", "user", user)
	return user, nil
}

// BotUser asks Slack's auth.test at apiURL (DefaultAPIURL when empty)
// whose token this is and returns the bot's user id, for callers that
// need it before building the runner (e.g. for approval.New).
func BotUser(ctx context.Context, token, apiURL string, client *http.Client) (string, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if client == nil {
		client = &http.Client{Timeout: slackbot.DefaultSlackCallTimeout}
	}
	api := slack.New(token, slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(client))
	resp, err := api.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("auth.test at %s: %w", apiURL, err)
	}
	if resp.UserID == "" {
		return "", errors.New("auth.test named no bot user")
	}
	return resp.UserID, nil
}

func (r *Runner) setUpWorkers() error {
	chat := r.opts.Chat
	if chat == nil && r.opts.Chats == nil {
		chat = slackbot.NewSlackChat(r.opts.BotToken, slackbot.SlackChatOptions{APIURL: r.opts.APIURL})
	}
	prefix := workerPrefix()
	for i := range r.opts.Workers {
		w, err := slackbot.NewWorker(slackbot.WorkerOptions{
			Queue: r.drain, Router: r.router, Chat: chat, Chats: r.opts.Chats, Claims: r.opts.Claims, Audit: r.opts.Audit,
			Reactions: r.opts.Reactions, Actions: r.opts.Actions, Renames: r.opts.Renames, BotUserID: r.botUserID, BotUsers: r.opts.BotUsers, MarkerEmoji: r.opts.MarkerEmoji,
			ListenWithoutMention: r.opts.ListenWithoutMention, Lease: r.opts.Lease, Now: r.opts.Now,
			Logger: r.log, Name: fmt.Sprintf("%s-%d", prefix, i+1),
		})
		if err != nil {
			return fmt.Errorf("runner: %w", err)
		}
		r.workers = append(r.workers, w)
	}
	return nil
}

func (r *Runner) setUpHandler() error {
	mux := http.NewServeMux()
	if r.opts.AppToken == "" {
		events, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: r.opts.SigningSecret, Queue: r.queue,
			MaxBody: maxEventBody(r.opts), Installations: r.opts.Installations, Logger: r.log})
		if err != nil {
			return fmt.Errorf("runner: %w", err)
		}
		mux.Handle("/slack/events", events)
	}
	switch {
	case r.opts.Interactions != nil:
		mux.Handle("/slack/interactions", r.opts.Interactions)
	case r.opts.Actions != nil && r.opts.AppToken == "":
		interactions, err := slackbot.NewInteractionsHandler(slackbot.InteractionsHandlerOptions{SigningSecret: r.opts.SigningSecret,
			Queue: r.queue, MaxBody: maxEventBody(r.opts), Installations: r.opts.Installations, Logger: r.log})
		if err != nil {
			return fmt.Errorf("runner: %w", err)
		}
		mux.Handle("/slack/interactions", interactions)
	}
	for pattern, h := range r.opts.Handlers {
		mux.Handle(pattern, h)
	}
	r.handler = mux
	return nil
}

// Handler serves /slack/events (unless in Socket Mode),
// /slack/interactions (see Options.Interactions), and Options.Handlers.
func (r *Runner) Handler() http.Handler { return r.handler }

// Router is the router the workers use.
func (r *Runner) Router() *router.Router { return r.router }

// BotUserID is the bot's user id, given or from auth.test.
func (r *Runner) BotUserID() string { return r.botUserID }

// SocketMode reports whether events arrive over Socket Mode.
func (r *Runner) SocketMode() bool { return r.opts.AppToken != "" }

// Run runs the workers, claim pruning and, with an app token, the Socket
// Mode connection until ctx ends or Socket Mode fails for good. It then
// stops taking deliveries and waits for the handlers in progress, up to
// DrainTimeout, before returning. It returns nil after a normal stop.
func (r *Runner) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("runner: Run called twice")
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Handlers keep their context while draining; it ends only when the
	// drain times out.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var workers, loops sync.WaitGroup
	for _, w := range r.workers {
		workers.Go(func() {
			if err := w.Run(workCtx); err != nil {
				r.log.Error("worker stopped", "err", err)
			}
		})
	}
	loops.Go(func() { r.pruneClaims(runCtx) })
	for _, loop := range r.opts.Background {
		loops.Go(func() {
			if err := loop(runCtx); err != nil && runCtx.Err() == nil {
				r.log.Error("background loop stopped", "err", err)
			}
		})
	}
	if r.SocketMode() {
		loops.Go(func() {
			if err := r.runSocketMode(runCtx); err != nil {
				cancel(err)
			}
		})
	}
	r.log.Info("bot running", "workers", len(r.workers), "socket_mode", r.SocketMode(), "bot_user", r.botUserID)
	<-runCtx.Done()

	r.log.Info("bot draining")
	r.drain.stop()
	loops.Wait()
	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	timer := time.NewTimer(r.opts.DrainTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		r.log.Warn("handlers still running after the drain timeout; cancelling them", "timeout", r.opts.DrainTimeout)
		stopWork()
		<-drained
	}
	r.log.Info("bot stopped")
	if err := context.Cause(runCtx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// Close releases what New opened: the queue, unless it was given. The
// database stays open.
func (r *Runner) Close() error {
	r.closeOnce.Do(func() {
		if r.drain != nil {
			r.drain.stop()
		}
		if r.ownsQueue && r.queue != nil {
			if err := r.queue.Close(); err != nil {
				r.closeErr = fmt.Errorf("runner: close queue: %w", err)
			}
		}
	})
	return r.closeErr
}
