package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// SetInteractionsURL changes where interaction payloads are delivered.
func (s *Server) SetInteractionsURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.InteractionsURL = u
}

// button is a Block Kit button found on a message.
type button struct {
	BlockID string
	Text    json.RawMessage
	Value   string
}

// Click plays userID clicking the button actionID on the message ts of
// channel: it delivers a signed block_actions payload, form-encoded in the
// field "payload", to the interactions URL, as Slack does, and returns an
// error unless the receiver answers 2xx. Interactions are not retried.
func (s *Server) Click(teamID, userID, channel, ts, actionID string) error {
	s.mu.Lock()
	body, target, err := s.clickPayloadLocked(teamID, userID, channel, ts, actionID)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("click %s as %s on %s/%s: %w", actionID, userID, channel, ts, err)
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.AckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("click %s: %w", actionID, err)
	}
	now := s.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("X-Slack-Signature", Sign(s.opts.SigningSecret, now, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("click %s: deliver to %s: %w", actionID, target, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("click %s: %s answered %d: %s", actionID, target, resp.StatusCode, answer)
	}
	return nil
}

// clickPayloadLocked builds the signed form body of a click.
func (s *Server) clickPayloadLocked(teamID, userID, channel, ts, actionID string) ([]byte, string, error) {
	target := s.opts.InteractionsURL
	if target == "" {
		return nil, "", fmt.Errorf("no interactions url")
	}
	ch, err := s.memberChannelLocked(teamID, channel, userID)
	if err != nil {
		return nil, "", err
	}
	m := s.findMessageLocked(ch.info.ID, ts)
	if m == nil {
		return nil, "", fmt.Errorf("message_not_found")
	}
	b, ok := findButton(m.Blocks, actionID)
	if !ok {
		return nil, "", fmt.Errorf("the message has no button %q", actionID)
	}
	team := s.teams[teamID]
	user := s.users[teamID][userID]
	actionTS := s.nextTSLocked()
	payload := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": userID, "username": user.Name, "name": user.Name, "team_id": teamID},
		"api_app_id":   s.opts.AppID,
		"token":        s.opts.VerificationToken,
		"container":    map[string]any{"type": "message", "message_ts": m.TS, "channel_id": ch.info.ID, "is_ephemeral": false},
		"trigger_id":   fmt.Sprintf("%d.%s", s.opts.Now().Unix(), randomHex(8)),
		"team":         map[string]any{"id": teamID, "domain": team.Domain},
		"enterprise":   nil,
		"channel":      map[string]any{"id": ch.info.ID, "name": ch.info.Name},
		"message":      messageJSON(m),
		"response_url": fmt.Sprintf("%s/actions/%s/%s", s.URL(), teamID, randomHex(8)),
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": b.BlockID, "text": b.Text, "value": b.Value,
			"type": "button", "action_ts": actionTS,
		}},
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, "", fmt.Errorf("encode payload: %w", err)
	}
	return []byte(url.Values{"payload": {string(raw)}}.Encode()), target, nil
}

// findButton looks for a button with actionID in actions blocks and
// section accessories.
func findButton(blocks json.RawMessage, actionID string) (button, bool) {
	type element struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
		// Text stays raw: in context blocks it is a string, not an object.
		Text json.RawMessage `json:"text"`
	}
	var list []struct {
		BlockID   string    `json:"block_id"`
		Elements  []element `json:"elements"`
		Accessory *element  `json:"accessory"`
	}
	if len(blocks) == 0 || json.Unmarshal(blocks, &list) != nil {
		return button{}, false
	}
	for _, bl := range list {
		candidates := bl.Elements
		if bl.Accessory != nil {
			candidates = append(candidates, *bl.Accessory)
		}
		for _, e := range candidates {
			if e.Type == "button" && e.ActionID == actionID {
				return button{BlockID: bl.BlockID, Text: e.Text, Value: e.Value}, true
			}
		}
	}
	return button{}, false
}
