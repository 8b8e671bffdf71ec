package slackapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"
)

// ScopeFetcher reads a token's granted scopes from Slack (Service does,
// with auth.test).
type ScopeFetcher interface {
	FetchScopes(ctx context.Context, token string) (Scopes, error)
}

// BackfillOptions configure a scope backfill. Zero values get defaults.
type BackfillOptions struct {
	// BatchSize is how many installations are checked per batch (default 100).
	BatchSize int
	// Pause is the wait between batches (default 10 s).
	Pause time.Duration
	// DryRun walks and counts what would be checked, calling and writing nothing.
	DryRun bool
	// CursorName names the progress row (default "backfill-scopes").
	CursorName string
	// MaxRateLimitWaits bounds the 429 waits for one installation (default 10).
	MaxRateLimitWaits int
	Clock             Clock
	Logger            *slog.Logger
	// Progress, when set, is called after every batch.
	Progress func(BackfillProgress)
}

// BackfillProgress is where a backfill stands.
type BackfillProgress struct {
	// Total is what was pending when this run started.
	Total   int
	Done    int
	Updated int
	Failed  int
	Batches int
	// RateLimited counts 429 answers waited out.
	RateLimited int
	Elapsed     time.Duration
	// ETA estimates the time left at the pace so far (in a dry run, at the
	// configured pace).
	ETA time.Duration
	// Cursor is the last installation id handled.
	Cursor string
}

// Backfiller fills granted scopes for installations that have a token but
// no scope record, in paced batches, resumably.
type Backfiller struct {
	store Store
	fetch ScopeFetcher
	opts  BackfillOptions
}

// NewBackfiller builds a backfill over store, asking fetch for scopes.
func NewBackfiller(store Store, fetch ScopeFetcher, opts BackfillOptions) *Backfiller {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.Pause < 0 {
		opts.Pause = 0
	}
	if opts.CursorName == "" {
		opts.CursorName = "backfill-scopes"
	}
	if opts.MaxRateLimitWaits <= 0 {
		opts.MaxRateLimitWaits = 10
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Backfiller{store: store, fetch: fetch, opts: opts}
}

// Run backfills from the saved cursor until nothing is pending. The
// cursor is saved after every batch, so a killed run resumes there; a
// finished run clears it.
func (b *Backfiller) Run(ctx context.Context) (BackfillProgress, error) {
	o := b.opts
	cursor, err := b.store.Cursor(ctx, o.CursorName)
	if err != nil {
		return BackfillProgress{}, fmt.Errorf("backfill scopes: %w", err)
	}
	total, err := b.store.CountPendingScopes(ctx, cursor)
	if err != nil {
		return BackfillProgress{}, fmt.Errorf("backfill scopes: %w", err)
	}
	p := BackfillProgress{Total: total, Cursor: cursor}
	if cursor != "" {
		o.Logger.Info("backfill scopes: resuming", "after", cursor, "pending", total)
	}
	start := o.Clock.Now()
	var paused time.Duration
	refreshed := map[string]bool{}
	for {
		batch, err := b.store.PendingScopes(ctx, p.Cursor, o.BatchSize)
		if err != nil {
			return p, fmt.Errorf("backfill scopes: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if p.Batches > 0 && !o.DryRun {
			if err := o.Clock.Sleep(ctx, o.Pause); err != nil {
				return p, fmt.Errorf("backfill scopes: pause: %w", err)
			}
			paused += o.Pause
		}
		for _, in := range batch {
			if err := b.one(ctx, in, refreshed, &p); err != nil {
				return p, err
			}
			p.Done++
			p.Cursor = in.ID
		}
		p.Batches++
		if !o.DryRun {
			if err := b.store.SetCursor(ctx, o.CursorName, p.Cursor); err != nil {
				return p, fmt.Errorf("backfill scopes: %w", err)
			}
		}
		p.Elapsed = o.Clock.Now().Sub(start)
		p.ETA = b.eta(p, paused)
		if o.Progress != nil {
			o.Progress(p)
		}
	}
	if !o.DryRun {
		if err := b.store.SetCursor(ctx, o.CursorName, ""); err != nil {
			return p, fmt.Errorf("backfill scopes: %w", err)
		}
	}
	p.Elapsed, p.ETA = o.Clock.Now().Sub(start), 0
	return p, nil
}

// one handles a single installation; a team refreshed earlier in this run
// (through another of its records) is not asked again.
func (b *Backfiller) one(ctx context.Context, in Installation, refreshed map[string]bool, p *BackfillProgress) error {
	if b.opts.DryRun || refreshed[in.TeamID] {
		return nil
	}
	for waits := 0; ; waits++ {
		scopes, err := b.fetch.FetchScopes(ctx, in.BotToken)
		var limited *slack.RateLimitedError
		if errors.As(err, &limited) && waits < b.opts.MaxRateLimitWaits {
			p.RateLimited++
			b.opts.Logger.Info("backfill scopes: rate limited", "retry_after", limited.RetryAfter)
			if err := b.opts.Clock.Sleep(ctx, limited.RetryAfter); err != nil {
				return fmt.Errorf("backfill scopes: wait after 429: %w", err)
			}
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("backfill scopes: %w", ctx.Err())
		}
		if err != nil {
			p.Failed++
			b.opts.Logger.Warn("backfill scopes: cannot read scopes", "installation", in.ID, "team", in.TeamID, "err", err)
			return nil
		}
		if _, err := b.store.UpdateTeamScopes(ctx, in.TeamID, scopes, b.opts.Clock.Now()); err != nil {
			return fmt.Errorf("backfill scopes: %w", err)
		}
		refreshed[in.TeamID] = true
		p.Updated++
		return nil
	}
}

// eta estimates the time left: the pauses still due between batches plus
// the work per installation measured so far (none in a dry run).
func (b *Backfiller) eta(p BackfillProgress, paused time.Duration) time.Duration {
	left := p.Total - p.Done
	if left <= 0 {
		return 0
	}
	eta := time.Duration(BatchesFor(left, b.opts.BatchSize)) * b.opts.Pause
	if !b.opts.DryRun && p.Done > 0 {
		work := p.Elapsed - paused
		eta += time.Duration(float64(work) / float64(p.Done) * float64(left))
	}
	return eta
}

// BatchesFor is how many batches of size n cover count items.
func BatchesFor(count, n int) int {
	if n <= 0 || count <= 0 {
		return 0
	}
	return (count + n - 1) / n
}

// PacedDuration is the least time a backfill of count installations takes
// at the given pace: a pause between consecutive batches.
func PacedDuration(count, batchSize int, pause time.Duration) time.Duration {
	b := BatchesFor(count, batchSize)
	if b <= 1 {
		return 0
	}
	return time.Duration(b-1) * pause
}
