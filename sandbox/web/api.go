package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bastionhq/bastion/sandbox"
)

// maxBody bounds the JSON bodies the page sends.
const maxBody = 64 << 10

// maxText is Slack's limit on a message's text.
const maxText = 40000

// messageRequest is the body of POST ui/message.
type messageRequest struct {
	Team    string `json:"team"`
	Channel string `json:"channel"`
	As      string `json:"as"`
	Text    string `json:"text"`
	// ThreadTS posts a reply in that message's thread.
	ThreadTS string `json:"thread_ts"`
}

// reactionRequest is the body of POST ui/reaction.
type reactionRequest struct {
	Team    string `json:"team"`
	Channel string `json:"channel"`
	As      string `json:"as"`
	TS      string `json:"ts"`
	Emoji   string `json:"emoji"`
	// Remove takes the reaction away instead of adding it.
	Remove bool `json:"remove"`
}

var validEmoji = regexp.MustCompile(`^[a-z0-9_+'-]{1,64}$`)

// post validates a message request and posts it as the person.
func (h *Handler) post(req messageRequest) (string, *requestError) {
	if rerr := required(map[string]string{"team": req.Team, "channel": req.Channel, "as": req.As}); rerr != nil {
		return "", rerr
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case text == "":
		return "", badRequest("text is empty")
	case !utf8.ValidString(text):
		return "", badRequest("text is not valid UTF-8")
	case len(text) > maxText:
		return "", badRequest("text is %d bytes, more than Slack's %d", len(text), maxText)
	}
	v, rerr := h.resolveView(req.Team, req.As, req.Channel)
	if rerr != nil {
		return "", rerr
	}
	if !v.exists {
		// The first message to the bot opens the direct message.
		if err := h.sb.AddChannel(v.team.ID, v.channel); err != nil {
			return "", &requestError{status: http.StatusInternalServerError, msg: fmt.Sprintf("open direct message: %v", err)}
		}
	}
	if req.ThreadTS != "" && !slices.ContainsFunc(h.sb.Messages(v.channel.ID), func(m sandbox.Message) bool { return m.TS == req.ThreadTS }) {
		return "", notFound("no message %s in %s to reply to", req.ThreadTS, v.channel.ID)
	}
	text = encodeMentions(text, h.opts.BotName, h.sb.BotUserID(), h.sb.Users(v.team.ID), h.sb.Channels(v.team.ID))
	ts, err := h.sb.ReplyAsUser(v.team.ID, v.channel.ID, req.ThreadTS, v.user.ID, text)
	if err != nil {
		return "", badRequest("%v", err)
	}
	return ts, nil
}

// react validates a reaction request and adds or removes the reaction.
func (h *Handler) react(req reactionRequest) *requestError {
	if rerr := required(map[string]string{"team": req.Team, "channel": req.Channel, "as": req.As, "ts": req.TS, "emoji": req.Emoji}); rerr != nil {
		return rerr
	}
	if !validEmoji.MatchString(req.Emoji) {
		return badRequest("emoji %q is not an emoji name such as white_check_mark", req.Emoji)
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
	mine := slices.ContainsFunc(msgs[i].Reactions, func(r sandbox.Reaction) bool {
		return r.Name == req.Emoji && slices.Contains(r.Users, v.user.ID)
	})
	switch {
	case req.Remove && !mine:
		return &requestError{status: http.StatusConflict, msg: fmt.Sprintf("%s has no :%s: on %s", v.user.ID, req.Emoji, req.TS)}
	case !req.Remove && mine:
		return &requestError{status: http.StatusConflict, msg: fmt.Sprintf("%s already reacted with :%s: on %s", v.user.ID, req.Emoji, req.TS)}
	}
	var err error
	if req.Remove {
		err = h.sb.Unreact(v.team.ID, v.user.ID, v.channel.ID, req.TS, req.Emoji)
	} else {
		err = h.sb.React(v.team.ID, v.user.ID, v.channel.ID, req.TS, req.Emoji)
	}
	if err != nil {
		// A concurrent change beat the check above.
		return &requestError{status: http.StatusConflict, msg: err.Error()}
	}
	return nil
}

// serveAction answers a POST from the page: it decodes the JSON body into
// a Req, runs act on it, and writes act's answer or its error.
func serveAction[Req any](act func(Req) (any, *requestError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req Req
		if rerr := decode(w, r, &req); rerr != nil {
			writeError(w, rerr)
			return
		}
		out, rerr := act(req)
		if rerr != nil {
			writeError(w, rerr)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// okAnswer is the answer of an action that has nothing else to say.
var okAnswer = map[string]any{"ok": true}

// decode reads a JSON body into v, strictly: the page sends exactly the
// fields it means, so anything else is a mistake worth reporting. Only
// application/json is accepted, which also keeps other sites from posting
// without a CORS preflight.
func decode(w http.ResponseWriter, r *http.Request, v any) *requestError {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return &requestError{status: http.StatusUnsupportedMediaType, msg: "send the request as application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", maxBody)}
		}
		return badRequest("read request: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("read request: more than one JSON value")
	}
	return nil
}

// required reports the first empty field, in a fixed order.
func required(fields map[string]string) *requestError {
	for _, name := range []string{"team", "channel", "as", "ts", "emoji"} {
		if v, ok := fields[name]; ok && strings.TrimSpace(v) == "" {
			return badRequest("%s is required", name)
		}
	}
	return nil
}
