package web

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/bastionhq/bastion/sandbox"
)

// clickRequest is the body of POST ui/click.
type clickRequest struct {
	Team    string `json:"team"`
	Channel string `json:"channel"`
	As      string `json:"as"`
	TS      string `json:"ts"`
	// ActionID names the button on the message.
	ActionID string `json:"action_id"`
}

// click validates a click request and has the sandbox deliver the
// block_actions payload to the app.
func (h *Handler) click(req clickRequest) *requestError {
	for _, f := range []struct{ name, value string }{{"team", req.Team}, {"channel", req.Channel}, {"as", req.As}, {"ts", req.TS}, {"action_id", req.ActionID}} {
		if f.value == "" {
			return badRequest("%s is required", f.name)
		}
	}
	v, rerr := h.resolveView(req.Team, req.As, req.Channel)
	if rerr != nil {
		return rerr
	}
	msgs := h.sb.Messages(v.channel.ID)
	i := slices.IndexFunc(msgs, func(m sandbox.Message) bool { return m.TS == req.TS })
	if i < 0 {
		return notFound("no message %s in %s", req.TS, v.channel.ID)
	}
	if !hasButton(msgs[i].Blocks, req.ActionID) {
		return notFound("message %s has no button %q", req.TS, req.ActionID)
	}
	if err := h.sb.Click(v.team.ID, v.user.ID, v.channel.ID, req.TS, req.ActionID); err != nil {
		// The button exists, so the app is what failed: no interactions
		// URL, or an answer other than 2xx.
		return &requestError{status: http.StatusBadGateway, msg: err.Error()}
	}
	return nil
}

// hasButton reports whether blocks hold a button with actionID, in an
// actions block or as a section's accessory.
func hasButton(raw json.RawMessage, actionID string) bool {
	var blocks []block
	if len(raw) == 0 || json.Unmarshal(raw, &blocks) != nil {
		return false
	}
	for _, bl := range blocks {
		elements := bl.Elements
		if len(bl.Accessory) > 0 {
			elements = append(elements, bl.Accessory)
		}
		for _, raw := range elements {
			var el element
			if json.Unmarshal(raw, &el) == nil && el.Type == "button" && el.ActionID == actionID {
				return true
			}
		}
	}
	return false
}
