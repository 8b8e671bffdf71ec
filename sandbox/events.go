package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sign returns Slack's v0 request signature of body sent at timestamp.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:", timestamp)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Emit delivers an arbitrary inner event for a team in an event_callback
// envelope, as Slack would.
func (s *Server) Emit(teamID string, event map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.teams[teamID]; !ok {
		return fmt.Errorf("emit event: unknown team %s", teamID)
	}
	if _, ok := event["type"].(string); !ok {
		return fmt.Errorf("emit event: no type")
	}
	s.emitLocked(teamID, event)
	return nil
}

// emitLocked wraps event in an envelope and delivers it in the background.
func (s *Server) emitLocked(teamID string, event map[string]any) {
	id := s.newEventIDLocked()
	team := s.teams[teamID]
	var enterprise any
	if team.EnterpriseID != "" {
		enterprise = team.EnterpriseID
	}
	envelope := map[string]any{
		"token":      s.opts.VerificationToken,
		"team_id":    teamID,
		"api_app_id": s.opts.AppID,
		"event":      event,
		"type":       "event_callback",
		"event_id":   id,
		"event_time": s.opts.Now().Unix(),
		"authorizations": []map[string]any{{
			"enterprise_id": enterprise, "team_id": teamID, "user_id": s.opts.BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + randomHex(12),
	}
	if enterprise != nil {
		envelope["enterprise_id"] = enterprise
	}
	body, err := json.Marshal(envelope)
	if err != nil {
		s.log.Error("sandbox: encode event", "event_id", id, "err", err)
		return
	}
	kind, _ := event["type"].(string)
	if s.eventsURL == "" {
		s.deliveries = append(s.deliveries, Delivery{EventID: id, Type: kind, Reason: "no_events_url", At: s.opts.Now()})
		s.notifyLocked()
		return
	}
	s.inflight.Add(1)
	s.delivering++
	go s.deliver(s.eventsURL, id, kind, body)
}

// deliver posts one envelope, retrying up to MaxRetries times when the
// receiver does not answer 2xx within AckTimeout.
func (s *Server) deliver(target, id, kind string, body []byte) {
	defer s.inflight.Done()
	defer func() {
		s.mu.Lock()
		s.delivering--
		s.notifyLocked()
		s.mu.Unlock()
	}()
	reason := ""
	for attempt := 0; attempt <= s.opts.MaxRetries; attempt++ {
		if attempt > 0 && attempt-1 < len(s.opts.RetryDelays) {
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(s.opts.RetryDelays[attempt-1]):
			}
		}
		status, failure, noRetry := s.post(target, body, attempt, reason)
		if s.ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, Delivery{EventID: id, Type: kind, Attempt: attempt, Status: status, Reason: failure, At: s.opts.Now()})
		s.notifyLocked()
		s.mu.Unlock()
		if failure == "" {
			return
		}
		s.log.Warn("sandbox: event delivery failed", "event_id", id, "type", kind, "attempt", attempt, "status", status, "reason", failure)
		if noRetry {
			return
		}
		reason = failure
	}
}

func (s *Server) post(target string, body []byte, attempt int, lastReason string) (status int, failure string, noRetry bool) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.AckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "connection_failed", true
	}
	now := s.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, now, body))
	if attempt > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(attempt))
		req.Header.Set("X-Slack-Retry-Reason", lastReason)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return 0, "http_timeout", false
		}
		return 0, "connection_failed", false
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if err != nil && (errors.Is(err, context.DeadlineExceeded) || isTimeout(err)) {
		return resp.StatusCode, "http_timeout", false
	}
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, "", false
	}
	return resp.StatusCode, "http_error", resp.Header.Get("X-Slack-No-Retry") == "1"
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// VerifyURL sends a signed url_verification request to the events URL and
// checks that the receiver echoes the challenge.
func (s *Server) VerifyURL(ctx context.Context) error {
	s.mu.Lock()
	target := s.eventsURL
	s.mu.Unlock()
	if target == "" {
		return fmt.Errorf("verify url: no events url")
	}
	challenge := randomHex(16)
	body, err := json.Marshal(map[string]any{"token": s.opts.VerificationToken, "challenge": challenge, "type": "url_verification"})
	if err != nil {
		return fmt.Errorf("verify url: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("verify url: %w", err)
	}
	now := s.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, now, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("verify url %s: %w", target, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("verify url %s: read answer: %w", target, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("verify url %s: status %d", target, resp.StatusCode)
	}
	var obj struct {
		Challenge string `json:"challenge"`
	}
	if strings.TrimSpace(string(answer)) == challenge || (json.Unmarshal(answer, &obj) == nil && obj.Challenge == challenge) {
		return nil
	}
	return fmt.Errorf("verify url %s: answer %q does not echo the challenge", target, answer)
}
