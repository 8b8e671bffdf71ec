package httpcommand

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// maxErrorBody is how much of a non-2xx answer is read for its text.
const maxErrorBody = 16 << 10

// newHTTPClient is the client of every endpoint: it never follows a
// redirect and bounds response headers. Calls are bounded by their
// context, not by the client.
func newHTTPClient(rt http.RoundTripper) *http.Client {
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxResponseHeaderBytes = 64 << 10
		rt = t
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// result is what one POST to an endpoint came to.
type result struct {
	outcome Outcome
	// status is the answer's status line ("500 Internal Server Error"),
	// code its number; both empty without an answer.
	status string
	code   int
	answer Answer
	// err says why there is no usable answer: the transport error, the
	// timeout, the unreadable body, or the endpoint's text for a non-2xx.
	err error
}

// retryable says whether a dry run may be tried again: nothing was sent,
// or the endpoint (or a proxy before it) said it is unavailable.
func (r result) retryable() bool {
	return r.outcome == OutcomeNotSent || r.code == http.StatusBadGateway ||
		r.code == http.StatusServiceUnavailable || r.code == http.StatusGatewayTimeout
}

// detail describes the result for the ledger and the logs.
func (r result) detail() string {
	switch {
	case r.err == nil:
		return r.status
	case r.status == "":
		return r.err.Error()
	}
	return r.status + ": " + r.err.Error()
}

// post sends body to the command's endpoint once, signed, and reads the
// answer; ctx bounds the whole exchange.
func (c *command) post(ctx context.Context, body []byte) result {
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, c.spec.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return result{outcome: OutcomeNotSent, err: err}
	}
	ts := strconv.FormatInt(c.opts.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Bastion")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, sign(c.spec.secret.key, ts, body))
	// No Idempotency-Key header: net/http would then resend the POST on
	// a broken idle connection.
	resp, err := c.client.Do(req)
	if err != nil {
		err = c.transportError(ctx, err)
		if !connected.Load() {
			return result{outcome: OutcomeNotSent, err: err}
		}
		return result{outcome: OutcomeUnknown, err: err}
	}
	defer resp.Body.Close()
	r := result{status: resp.Status, code: resp.StatusCode}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.outcome, r.err = OutcomeFailed, c.statusError(resp)
		return r
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerSize+1))
	if err != nil {
		r.outcome, r.err = OutcomeUnreadable, fmt.Errorf("the answer did not arrive in full: %w", c.transportError(ctx, err))
		return r
	}
	if r.answer, err = DecodeAnswer(data); err != nil {
		r.outcome, r.err = OutcomeUnreadable, err
		return r
	}
	r.outcome = OutcomeOK
	return r
}

// transportError words a failed exchange without the URL (its query may
// hold what the logs should not).
func (c *command) transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s", c.spec.Timeout)
	}
	if ctx.Err() != nil {
		return errors.New("stopped waiting: Bastion is shutting down")
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return err
}

// statusError is the reason a non-2xx answer gives: its text when it is a
// JSON answer, where a redirect points otherwise.
func (c *command) statusError(resp *http.Response) error {
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		to := resp.Header.Get("Location")
		if u, err := url.Parse(to); err == nil {
			u.RawQuery, u.Fragment = "", ""
			to = u.String()
		}
		return fmt.Errorf("a redirect to %s, which Bastion does not follow: set the endpoint to the final URL", clip(to, 200))
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if a, err := DecodeAnswer(data); err == nil && a.Summary() != "" {
		return errors.New(clip(a.Summary(), 500))
	}
	return errors.New("no explanation in its answer")
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
