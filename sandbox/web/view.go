package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/bastionhq/bastion/sandbox"
)

// requestError is a failure to report to the page with an HTTP status.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *requestError {
	return &requestError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

// view is what one person sees: a workspace, who they act as, and the
// channel they look at.
type view struct {
	teams    []sandbox.Team
	team     sandbox.Team
	users    []sandbox.User
	user     sandbox.User
	channels []sandbox.Channel
	channel  sandbox.Channel
	// exists is false for the direct message with the bot that the page
	// offers before anyone has written in it.
	exists bool
}

// resolveView checks the requested team, user and channel; empty ones get
// defaults: those of Options.Start that exist, else the first workspace,
// its first person, #general or its first channel.
func (h *Handler) resolveView(teamID, userID, channelID string) (*view, *requestError) {
	v := &view{teams: h.sb.Teams()}
	if len(v.teams) == 0 {
		return nil, notFound("the sandbox has no workspace yet")
	}
	start := h.opts.Start
	if teamID == "" {
		v.team = v.teams[0]
		if i := slices.IndexFunc(v.teams, func(t sandbox.Team) bool { return t.ID == start.Team }); i >= 0 {
			v.team = v.teams[i]
		}
	} else {
		i := slices.IndexFunc(v.teams, func(t sandbox.Team) bool { return t.ID == teamID })
		if i < 0 {
			return nil, notFound("unknown workspace %s", teamID)
		}
		v.team = v.teams[i]
	}

	v.users = h.sb.Users(v.team.ID)
	if start.Team != v.team.ID {
		start = View{}
	}
	if userID == "" && start.As != "" && slices.ContainsFunc(v.users, func(u sandbox.User) bool { return u.ID == start.As && !u.IsBot }) {
		userID = start.As
	}
	if userID == "" {
		i := slices.IndexFunc(v.users, func(u sandbox.User) bool { return !u.IsBot })
		if i < 0 {
			return nil, notFound("workspace %s has no people yet", v.team.ID)
		}
		v.user = v.users[i]
	} else {
		i := slices.IndexFunc(v.users, func(u sandbox.User) bool { return u.ID == userID })
		if i < 0 {
			return nil, notFound("unknown user %s in workspace %s", userID, v.team.ID)
		}
		if v.users[i].IsBot {
			return nil, badRequest("%s is a bot; pick a person to act as", userID)
		}
		v.user = v.users[i]
	}

	all := h.sb.Channels(v.team.ID)
	dm := sandbox.Channel{ID: "D" + v.user.ID, Name: v.user.ID, Type: sandbox.DirectMessage, User: v.user.ID}
	dmExists := false
	for _, c := range all {
		switch {
		case c.Type != sandbox.DirectMessage:
			v.channels = append(v.channels, c)
		case c.User == v.user.ID && !dmExists:
			dm, dmExists = c, true
		}
	}
	v.channels = append(v.channels, dm)

	if channelID == "" && start.Channel != "" && slices.ContainsFunc(v.channels, func(c sandbox.Channel) bool { return c.ID == start.Channel }) {
		channelID = start.Channel
	}
	if channelID == "" {
		i := slices.IndexFunc(v.channels, func(c sandbox.Channel) bool { return c.Name == "general" && c.Type != sandbox.DirectMessage })
		if i < 0 {
			i = 0
		}
		v.channel = v.channels[i]
	} else {
		i := slices.IndexFunc(v.channels, func(c sandbox.Channel) bool { return c.ID == channelID })
		if i < 0 {
			j := slices.IndexFunc(all, func(c sandbox.Channel) bool { return c.ID == channelID })
			if j >= 0 && all[j].Type == sandbox.DirectMessage {
				return nil, badRequest("%s is the direct message of %s with the bot; act as %s to open it", channelID, all[j].User, all[j].User)
			}
			return nil, notFound("unknown channel %s in workspace %s", channelID, v.team.ID)
		}
		v.channel = v.channels[i]
	}
	v.exists = v.channel.Type != sandbox.DirectMessage || dmExists
	return v, nil
}

// namer resolves user and channel ids of one workspace for rendering.
type namer struct {
	users    map[string]string
	channels map[string]string
}

func (h *Handler) namer(v *view) *namer {
	n := &namer{users: map[string]string{h.sb.BotUserID(): h.opts.BotName}, channels: map[string]string{}}
	for _, u := range v.users {
		n.users[u.ID] = displayName(u)
	}
	for _, c := range h.sb.Channels(v.team.ID) {
		n.channels[c.ID] = c.Name
	}
	return n
}

func (n *namer) userName(id string) string {
	if name, ok := n.users[id]; ok {
		return name
	}
	return id
}

func (n *namer) channelName(id string) string {
	if name, ok := n.channels[id]; ok && name != "" {
		return name
	}
	return id
}
