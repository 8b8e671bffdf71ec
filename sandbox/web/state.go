package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bastionhq/bastion/sandbox"
)

// stateJSON is the answer of GET ui/state: everything one person's page
// draws.
type stateJSON struct {
	Teams     []teamJSON    `json:"teams"`
	Team      string        `json:"team"`
	Users     []userJSON    `json:"users"`
	As        string        `json:"as"`
	Channels  []channelJSON `json:"channels"`
	Channel   string        `json:"channel"`
	BotUserID string        `json:"bot_user_id"`
	Messages  []messageJSON `json:"messages"`
	// Thread is the ts of the open thread; ThreadMessages its parent then
	// its replies.
	Thread         string        `json:"thread,omitempty"`
	ThreadMessages []messageJSON `json:"thread_messages,omitempty"`
	// Emoji are the reactions the picker offers.
	Emoji []emojiJSON `json:"emoji"`
}

type teamJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type userJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	RealName string `json:"real_name"`
	// Kind is primary_owner, owner, admin, member, restricted,
	// ultra_restricted or bot; KindLabel says it in words.
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	// Label is the operator's label, such as "Channels Admin".
	Label string `json:"label,omitempty"`
}

type channelJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is channel, group (private) or im (direct message).
	Type string `json:"type"`
}

type messageJSON struct {
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts,omitempty"`
	User     string `json:"user"`
	UserName string `json:"user_name"`
	Bot      bool   `json:"bot"`
	Text     string `json:"text"`
	// HTML is the message drawn from its blocks, or from its text.
	HTML       string         `json:"html"`
	ReplyCount int            `json:"reply_count"`
	Reactions  []reactionJSON `json:"reactions"`
	Edited     bool           `json:"edited,omitempty"`
	// Ephemeral messages are seen only by the person they were sent to.
	Ephemeral bool `json:"ephemeral,omitempty"`
	// TimeMS is the ts as milliseconds since the epoch.
	TimeMS int64 `json:"time_ms"`
}

type reactionJSON struct {
	Name      string   `json:"name"`
	Emoji     string   `json:"emoji"`
	Count     int      `json:"count"`
	Users     []string `json:"users"`
	UserNames []string `json:"user_names"`
	// Mine is whether the acting person is among Users.
	Mine bool `json:"mine"`
}

type emojiJSON struct {
	Name  string `json:"name"`
	Emoji string `json:"emoji"`
}

func (h *Handler) serveState(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, rerr := h.resolveView(q.Get("team"), q.Get("as"), q.Get("channel"))
	if rerr != nil {
		writeError(w, rerr)
		return
	}
	st, rerr := h.state(v, q.Get("thread"))
	if rerr != nil {
		writeError(w, rerr)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// state builds the page's state for a view and an optional open thread.
func (h *Handler) state(v *view, thread string) (*stateJSON, *requestError) {
	n := h.namer(v)
	st := &stateJSON{Team: v.team.ID, As: v.user.ID, Channel: v.channel.ID, BotUserID: h.sb.BotUserID(),
		Messages: []messageJSON{}}
	for _, t := range v.teams {
		st.Teams = append(st.Teams, teamJSON{ID: t.ID, Name: t.Name})
	}
	for _, u := range v.users {
		if u.IsBot {
			continue
		}
		kind, words := accountKind(u)
		st.Users = append(st.Users, userJSON{ID: u.ID, Name: u.Name, RealName: u.RealName, Kind: kind, KindLabel: words,
			Label: h.label(v.team.ID, u.ID)})
	}
	for _, c := range v.channels {
		name := c.Name
		if c.Type == sandbox.DirectMessage {
			name = h.opts.BotName
		}
		st.Channels = append(st.Channels, channelJSON{ID: c.ID, Name: name, Type: string(c.Type)})
	}
	for _, e := range pickerEmoji {
		st.Emoji = append(st.Emoji, emojiJSON{Name: e, Emoji: emojiChar(e)})
	}
	if !v.exists {
		if thread != "" {
			return nil, notFound("no message %s in %s", thread, v.channel.ID)
		}
		return st, nil
	}

	msgs := h.sb.Messages(v.channel.ID)
	var mine []sandbox.Message
	for _, m := range h.sb.Ephemerals(v.channel.ID) {
		if m.EphemeralTo == v.user.ID {
			mine = append(mine, m)
		}
	}
	replies := map[string]int{}
	for _, m := range msgs {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			replies[m.ThreadTS]++
		}
	}
	isTop := func(m sandbox.Message) bool { return m.ThreadTS == "" || m.ThreadTS == m.TS }
	all := append(slices.Clone(msgs), mine...)
	slices.SortStableFunc(all, func(a, b sandbox.Message) int { return compareTS(a.TS, b.TS) })
	for _, m := range all {
		if isTop(m) {
			st.Messages = append(st.Messages, h.message(m, n, v.user.ID, replies[m.TS]))
		}
	}
	if thread == "" {
		return st, nil
	}
	i := slices.IndexFunc(msgs, func(m sandbox.Message) bool { return m.TS == thread && isTop(m) })
	if i < 0 {
		return nil, notFound("no message %s in %s", thread, v.channel.ID)
	}
	st.Thread = thread
	st.ThreadMessages = []messageJSON{h.message(msgs[i], n, v.user.ID, replies[thread])}
	for _, m := range all {
		if m.ThreadTS == thread && m.TS != thread {
			st.ThreadMessages = append(st.ThreadMessages, h.message(m, n, v.user.ID, 0))
		}
	}
	return st, nil
}

func (h *Handler) label(teamID, userID string) string {
	if h.opts.Label != nil {
		return h.opts.Label(teamID, userID)
	}
	return h.opts.Labels[userID]
}

// message renders one message for the person acting as as.
func (h *Handler) message(m sandbox.Message, n *namer, as string, replyCount int) messageJSON {
	// Ephemeral messages are not stored as messages, so the sandbox cannot
	// click their buttons.
	body := renderBlocks(m.Blocks, n, m.EphemeralTo == "")
	if body == "" {
		body = renderMrkdwn(m.Text, n)
	}
	out := messageJSON{TS: m.TS, ThreadTS: m.ThreadTS, User: m.User, UserName: n.userName(m.User), Bot: m.BotID != "",
		Text: m.Text, HTML: body, ReplyCount: replyCount, Reactions: []reactionJSON{}, Edited: m.EditedTS != "",
		Ephemeral: m.EphemeralTo != "", TimeMS: tsMillis(m.TS)}
	for _, r := range m.Reactions {
		rj := reactionJSON{Name: r.Name, Emoji: emojiChar(r.Name), Count: len(r.Users), Users: r.Users,
			Mine: slices.Contains(r.Users, as)}
		for _, u := range r.Users {
			rj.UserNames = append(rj.UserNames, n.userName(u))
		}
		out.Reactions = append(out.Reactions, rj)
	}
	return out
}

// compareTS orders Slack timestamps ("seconds.micros").
func compareTS(a, b string) int {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) - len(bs)
	}
	if c := strings.Compare(as, bs); c != 0 {
		return c
	}
	return strings.Compare(af, bf)
}

func tsMillis(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0
	}
	ms := int64(0)
	if len(frac) >= 3 {
		ms, _ = strconv.ParseInt(frac[:3], 10, 64)
	}
	return s*1000 + ms
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *requestError) {
	writeJSON(w, e.status, map[string]string{"error": e.msg})
}
