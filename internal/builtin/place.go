package builtin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/names"
)

// place is where a message was written, resolved in the entity tree.
type place struct {
	// channel is the channel's entity id, "" when the engine does not know
	// the channel (a direct message).
	channel    string
	workspace  string
	enterprise string // "" when the workspace belongs to no enterprise
}

// root is the top of the organisation the message belongs to.
func (p place) root() string {
	if p.enterprise != "" {
		return p.enterprise
	}
	return p.workspace
}

// here is the entity a command acts on by default: the channel, or the
// workspace in a direct message.
func (p place) here() string {
	if p.channel != "" {
		return p.channel
	}
	return p.workspace
}

// resolvePlace finds the channel's workspace and enterprise.
func resolvePlace(ctx context.Context, dir Directory, msg bot.Message) (place, error) {
	var p place
	start := msg.ChannelID
	if _, err := dir.Entity(ctx, msg.ChannelID); errors.Is(err, authz.ErrNotFound) {
		start = msg.TeamID
	} else if err != nil {
		return place{}, fmt.Errorf("look up channel %s: %w", msg.ChannelID, err)
	} else {
		p.channel = msg.ChannelID
	}
	id := start
	for d := 0; id != "" && d < authz.MaxDepth; d++ {
		ent, err := dir.Entity(ctx, id)
		if err != nil {
			return place{}, fmt.Errorf("look up %s: %w", id, err)
		}
		switch ent.Type {
		case authz.TypeWorkspace:
			if p.workspace == "" {
				p.workspace = ent.ID
			}
		case authz.TypeEnterprise:
			if p.enterprise == "" {
				p.enterprise = ent.ID
			}
		}
		id = ent.ParentID
	}
	if p.workspace == "" {
		return place{}, fmt.Errorf("channel %s of team %s belongs to no workspace the permission service knows", msg.ChannelID, msg.TeamID)
	}
	return p, nil
}

// within reports whether entityID is ancestor or lies below it.
func within(ctx context.Context, dir Directory, entityID, ancestor string) (bool, error) {
	id := entityID
	for d := 0; id != "" && d < authz.MaxDepth; d++ {
		if id == ancestor {
			return true, nil
		}
		ent, err := dir.Entity(ctx, id)
		if errors.Is(err, authz.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("look up %s: %w", id, err)
		}
		id = ent.ParentID
	}
	return false, nil
}

var channelMention = regexp.MustCompile(`^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$`)

// target resolves the <where> of grant and revoke: a channel mention,
// "workspace" or "enterprise"; "" means the channel the command is used in.
func (p place) target(where string) (string, error) {
	switch w := strings.ToLower(strings.TrimSpace(where)); {
	case w == "":
		return p.here(), nil
	case w == "workspace":
		return p.workspace, nil
	case w == "enterprise":
		if p.enterprise == "" {
			return "", fmt.Errorf("workspace %s belongs to no enterprise", p.workspace)
		}
		return p.enterprise, nil
	default:
		m := channelMention.FindStringSubmatch(strings.TrimSpace(where))
		if m == nil {
			return "", fmt.Errorf("`%s` is not a channel, `workspace` or `enterprise`", where)
		}
		return m[1], nil
	}
}

// describe names an entity for a reply: a channel as a mention (Slack
// shows its name), a workspace or enterprise by type and name, from the
// name directory, or by id when no name is known.
func (c *commands) describe(ctx context.Context, id string) string {
	ent, err := c.engine.Entity(ctx, id)
	if err != nil {
		return id
	}
	var kind names.Kind
	switch ent.Type {
	case authz.TypeChannel:
		return "<#" + id + ">"
	case authz.TypeWorkspace:
		kind = names.Team
	case authz.TypeEnterprise:
		kind = names.Enterprise
	}
	if c.names != nil && kind != "" {
		k := names.Key{Kind: kind, ID: id}
		got, err := c.names.Lookup(ctx, []names.Key{k})
		if n := got[k].Name; err == nil && n != "" {
			return ent.Type + " " + bot.Escape(n)
		}
	}
	return ent.Type + " " + id
}

// actor names who made a change: "TEAM/USER" as a mention of the user
// (Slack shows their name), anything else as it is.
func actor(a string) string {
	team, user, ok := strings.Cut(a, "/")
	if !ok || authz.ValidateID("team", team) != nil || authz.ValidateID("user", user) != nil {
		return a
	}
	return userMention(user)
}
