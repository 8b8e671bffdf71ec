package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// lifecycle runs the long-lived parts of a process (the change follower,
// the sandbox, the bot, the HTTP server) and stops them in the reverse
// order of their start: what takes work in stops before what does the
// work, and what the rest depends on stops last.
type lifecycle struct {
	log   *slog.Logger
	parts []*part
	// ended receives each part that returns before it is stopped.
	ended chan *part
}

// part is one running piece of the process.
type part struct {
	name string
	// stop, when set, asks the part to finish (an HTTP server's graceful
	// shutdown); its context bounds the wait. The part's context is
	// cancelled after it either way.
	stop   func(ctx context.Context) error
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func newLifecycle(log *slog.Logger) *lifecycle {
	return &lifecycle{log: log, ended: make(chan *part, 16)}
}

// start runs run in its own goroutine with a context that ends when the
// part is stopped; run returns nil then. run returning before that, with
// an error or nil, stops the whole process.
func (l *lifecycle) start(name string, run func(ctx context.Context) error, stop func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &part{name: name, stop: stop, cancel: cancel, done: make(chan struct{})}
	l.parts = append(l.parts, p)
	go func() {
		defer close(p.done)
		p.err = run(ctx)
		if ctx.Err() == nil {
			l.ended <- p
		}
	}()
}

// wait blocks until ctx ends or a part returns on its own, then stops
// every part in reverse order of start, giving each stop function a
// context from grace. It returns the errors of the parts, the first one
// to end on its own first.
func (l *lifecycle) wait(ctx context.Context, grace func() (context.Context, context.CancelFunc)) error {
	var errs []error
	select {
	case <-ctx.Done():
	case p := <-l.ended:
		if p.err != nil {
			l.log.Error(p.name+" stopped; shutting down", "error", p.err)
			errs = append(errs, fmt.Errorf("%s: %w", p.name, p.err))
		} else {
			l.log.Warn(p.name + " stopped; shutting down")
		}
		p.err = nil
	}
	return errors.Join(append(errs, l.stop(grace))...)
}

// stop stops the parts in reverse order of start and waits for each. A
// process that fails while starting calls it to undo what started.
func (l *lifecycle) stop(grace func() (context.Context, context.CancelFunc)) error {
	var errs []error
	for i := len(l.parts) - 1; i >= 0; i-- {
		p := l.parts[i]
		if p.stop != nil {
			sctx, cancel := grace()
			if err := p.stop(sctx); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", p.name, err))
			}
			cancel()
		}
		p.cancel()
		<-p.done
		if p.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.name, p.err))
		}
	}
	l.parts = nil
	return errors.Join(errs...)
}
