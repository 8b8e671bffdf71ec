package slacknames

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/bastionhq/bastion/names"
)

// Targets lists, by workspace, the ids whose names the directory should
// hold: its users, its channels, itself and its enterprise.
type Targets func(ctx context.Context) (map[string][]names.Key, error)

// Sweep fills the names of every target once (see Fill) and returns how
// many it learned; a workspace that fails does not stop the others.
func (f *Filler) Sweep(ctx context.Context, targets Targets) (int, error) {
	byTeam, err := targets(ctx)
	if err != nil {
		return 0, err
	}
	teams := make([]string, 0, len(byTeam))
	for t := range byTeam {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	total := 0
	var errs []error
	for _, t := range teams {
		n, err := f.Fill(ctx, t, byTeam[t])
		total += n
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
	return total, errors.Join(errs...)
}

// Run sweeps at once and then every interval until ctx ends, logging
// what fails; it returns nil when ctx ends.
func (f *Filler) Run(ctx context.Context, interval time.Duration, targets Targets) error {
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := f.Sweep(ctx, targets)
		if err != nil && ctx.Err() == nil {
			f.log.Warn("some names could not be read from Slack", "learned", n, "error", err)
		} else if n > 0 {
			f.log.Info("names read from Slack", "learned", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
