package runner

import (
	"context"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// runSocketMode connects to Slack over Socket Mode and feeds its events to
// the queue until ctx ends. It returns an error when the connection cannot
// be opened for good (a bad app token).
func (r *Runner) runSocketMode(ctx context.Context) error {
	api := slack.New(r.opts.BotToken, slack.OptionAppLevelToken(r.opts.AppToken), slack.OptionAPIURL(r.opts.APIURL),
		slack.OptionHTTPClient(r.opts.HTTPClient))
	client := socketmode.New(api, socketmode.OptionLog(slogOutput{log: r.log}))
	ingest := slackbot.NewSocketIngest(client, r.queue, r.log)
	ingest.Installations = r.opts.Installations

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ended := make(chan error, 1)
	go func() { ended <- client.RunContext(ctx) }()
	for {
		select {
		case err := <-ended:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("socket mode: %w", err)
		case ev := <-client.Events:
			if ctx.Err() == nil {
				r.logSocketEvent(ev)
			}
			if err := ingest.Handle(ctx, ev); err != nil && !errors.Is(err, context.Canceled) {
				r.log.Error("socket mode event", "err", err)
			}
		}
	}
}

// logSocketEvent reports the connection's life.
func (r *Runner) logSocketEvent(ev socketmode.Event) {
	switch ev.Type {
	case socketmode.EventTypeConnected:
		r.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError:
		if e, ok := ev.Data.(*slack.ConnectionErrorEvent); ok {
			r.log.Warn("socket mode connection failed; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "err", e.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		r.log.Error("socket mode: Slack refused the app token")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		r.log.Warn("socket mode connection trouble", "type", ev.Type, "data", fmt.Sprint(ev.Data))
	}
}

// slogOutput passes slack-go's log lines to slog at debug level.
type slogOutput struct{ log *slog.Logger }

func (s slogOutput) Output(_ int, line string) error {
	s.log.Debug("slack-go: " + strings.TrimSpace(line))
	return nil
}
