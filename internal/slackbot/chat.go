package slackbot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Chat is what workers say back to Slack.
type Chat interface {
	// PostReply posts text in the thread of threadTS and returns the new
	// message's timestamp.
	PostReply(ctx context.Context, channelID, threadTS, text string) (string, error)
	// AddReaction marks a message with emoji; a mark already there is success.
	AddReaction(ctx context.Context, channelID, ts, emoji string) error
}

// SlackChatOptions configure a SlackChat.
type SlackChatOptions struct {
	// APIURL is the Web API base, e.g. https://slack.com/api/ (the default).
	APIURL string
	// MaxAttempts bounds tries per call (default 5).
	MaxAttempts int
	// BaseBackoff is the first pause after a transient failure; it doubles
	// each time up to MaxBackoff (defaults 250 ms and 10 s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// CallTimeout bounds one call, its retries and their pauses included
	// (default 2 minutes); a caller's earlier deadline holds too.
	CallTimeout time.Duration
	// MaxRetryAfter is the longest HTTP 429 Retry-After a call waits out
	// (default 1 minute): a longer one, or one that would end past the
	// call's deadline, fails the call at once with the rate-limit error.
	MaxRetryAfter time.Duration
	// Sleep waits for d or until ctx ends; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Defaults of SlackChatOptions.
const (
	DefaultSlackCallTimeout   = 2 * time.Minute
	DefaultSlackMaxRetryAfter = time.Minute
)

// SlackChat is Chat over slack-go, honouring HTTP 429 Retry-After and
// retrying transient failures with exponential backoff.
type SlackChat struct {
	api  *slack.Client
	opts SlackChatOptions
}

// NewSlackChat returns a SlackChat calling the Web API with token.
func NewSlackChat(token string, opts SlackChatOptions) *SlackChat {
	if opts.APIURL == "" {
		opts.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultSlackCallTimeout
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultSlackMaxRetryAfter
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	return &SlackChat{api: slack.New(token, slack.OptionAPIURL(opts.APIURL), slack.OptionHTTPClient(&http.Client{Timeout: opts.CallTimeout})), opts: opts}
}

// PostReply posts text in a thread.
func (c *SlackChat) PostReply(ctx context.Context, channelID, threadTS, text string) (string, error) {
	var ts string
	err := c.retry(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		_, ts, err = c.api.PostMessageContext(ctx, channelID, slack.MsgOptionText(text, false), slack.MsgOptionTS(threadTS))
		return err
	})
	return ts, err
}

// AddReaction adds emoji to a message; already_reacted counts as success.
func (c *SlackChat) AddReaction(ctx context.Context, channelID, ts, emoji string) error {
	return c.retry(ctx, "reactions.add", func(ctx context.Context) error {
		err := c.api.AddReactionContext(ctx, emoji, slack.NewRefToMessage(channelID, ts))
		if err != nil && slackErrorCode(err) == "already_reacted" {
			return nil
		}
		return err
	})
}

// PostBlocks posts a Block Kit message in a thread; text is the
// notification and fallback text.
func (c *SlackChat) PostBlocks(ctx context.Context, channelID, threadTS, text string, blocks []slack.Block) (string, error) {
	var ts string
	err := c.retry(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		_, ts, err = c.api.PostMessageContext(ctx, channelID, slack.MsgOptionText(text, false),
			slack.MsgOptionBlocks(blocks...), slack.MsgOptionTS(threadTS))
		return err
	})
	return ts, err
}

// UpdateMessage replaces the text, and the blocks when given, of one of
// the bot's messages.
func (c *SlackChat) UpdateMessage(ctx context.Context, channelID, ts, text string, blocks []slack.Block) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	return c.retry(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, channelID, ts, opts...)
		return err
	})
}

// ReactionUsers returns, for each emoji on a message, everyone who added
// it, asking reactions.get with full=true so no list is cut short.
func (c *SlackChat) ReactionUsers(ctx context.Context, channelID, ts string) (map[string][]string, error) {
	var got slack.ReactedItem
	err := c.retry(ctx, "reactions.get", func(ctx context.Context) error {
		var err error
		got, err = c.api.GetReactionsContext(ctx, slack.NewRefToMessage(channelID, ts), slack.GetReactionsParameters{Full: true})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(got.Reactions))
	for _, r := range got.Reactions {
		out[r.Name] = append(out[r.Name], r.Users...)
	}
	return out, nil
}

// retry calls call until it succeeds, fails for good, runs out of
// attempts or would outlast the call's deadline (CallTimeout, or ctx's
// when earlier). A Retry-After longer than MaxRetryAfter, or ending past
// the deadline, is not waited out: the call fails at once with it.
func (c *SlackChat) retry(ctx context.Context, method string, call func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	backoff := c.opts.BaseBackoff
	var err error
	for attempt := 1; ; attempt++ {
		err = call(ctx)
		if err == nil {
			return nil
		}
		wait, retryable := retryDelay(err, backoff)
		if !retryable || attempt >= c.opts.MaxAttempts || ctx.Err() != nil {
			return fmt.Errorf("%s (attempt %d): %w", method, attempt, err)
		}
		var limited *slack.RateLimitedError
		if errors.As(err, &limited) && limited.RetryAfter > c.opts.MaxRetryAfter {
			return fmt.Errorf("%s (attempt %d): Slack asks to wait %v, longer than the %v this bot waits: %w",
				method, attempt, limited.RetryAfter, c.opts.MaxRetryAfter, err)
		}
		if left := time.Until(deadline); wait >= left {
			return fmt.Errorf("%s (attempt %d): the next try, in %v, would come after the call's deadline (%v away): %w",
				method, attempt, wait, left.Round(time.Millisecond), err)
		}
		if serr := c.opts.Sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%s: %w (while waiting to retry after %v)", method, serr, err)
		}
		backoff = min(backoff*2, c.opts.MaxBackoff)
	}
}

// retryDelay says whether err is worth retrying and after how long.
func retryDelay(err error, backoff time.Duration) (time.Duration, bool) {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return max(limited.RetryAfter, time.Second), true
	}
	var status slack.StatusCodeError
	if errors.As(err, &status) {
		return backoff, status.Code >= 500
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return backoff, true
	}
	switch slackErrorCode(err) {
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited":
		return backoff, true
	}
	return 0, false
}

// slackErrorCode returns the Web API error code of err ("already_reacted").
func slackErrorCode(err error) string {
	var resp slack.SlackErrorResponse
	if errors.As(err, &resp) {
		return resp.Err
	}
	return err.Error()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
