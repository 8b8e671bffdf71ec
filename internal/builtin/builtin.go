package builtin

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/permissions"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/names"
)

// Group heads the built-in commands in help.
const Group = "Permissions"

// Permissions the built-in commands need, from the built-in roles file.
const (
	// PermAssignRoles allows grant and revoke, on the channel where they
	// are typed and on the target entity (authz.AuthorizeAdminWrite).
	PermAssignRoles = authz.PermAssignRoles
	// PermViewAuditLog allows audit in the channel, which then shows the
	// changes about the entities where the caller holds it, as the
	// console's audit page does.
	PermViewAuditLog = string(permissions.ViewAuditLog)
)

// DefaultAuditLimit is how many changes audit shows without a count;
// MaxAuditLimit bounds the count.
const (
	DefaultAuditLimit = 10
	MaxAuditLimit     = 50
)

// commands holds what the handlers share.
type commands struct {
	engine Engine
	list   func() []bot.Command
	names  NameReader
}

// NameReader reads display names; names.Directory is one.
type NameReader interface {
	Lookup(ctx context.Context, keys []names.Key) (map[names.Key]names.Entry, error)
}

// Commands returns the built-in commands, run against engine. list returns
// the commands whoami reports on (pass the router's Commands method); nil
// leaves whoami to report roles only. Replies name workspaces and
// enterprises by id; CommandsNamed names them from a directory.
func Commands(engine Engine, list func() []bot.Command) []bot.Command {
	return CommandsNamed(engine, list, nil)
}

// CommandsNamed is Commands whose replies name workspaces and enterprises
// by the names dir holds (users and channels are mentions, which Slack
// shows by name); nil names them by id.
func CommandsNamed(engine Engine, list func() []bot.Command, dir NameReader) []bot.Command {
	c := &commands{engine: engine, list: list, names: dir}
	return []bot.Command{
		{Pattern: "whoami", Group: Group, Handler: c.whoami,
			Description: "Show your account type, your roles and which commands you may run in this channel."},
		{Pattern: "roles", Group: Group, Handler: c.roles,
			Description: "List the roles of this organisation with their permissions."},
		{Pattern: "grant <user:user> <role>", Group: Group, Permission: PermAssignRoles, Handler: c.grant,
			Description: "Give someone a role in this channel."},
		{Pattern: "grant <user:user> <role> on <where>", Group: Group, Permission: PermAssignRoles, Handler: c.grant,
			Description: "Give someone a role on a #channel, the `workspace` or the `enterprise`; you need ASSIGN_ROLES there."},
		{Pattern: "revoke <user:user> <role>", Group: Group, Permission: PermAssignRoles, Handler: c.revoke,
			Description: "Take a role back from someone in this channel."},
		{Pattern: "revoke <user:user> <role> on <where>", Group: Group, Permission: PermAssignRoles, Handler: c.revoke,
			Description: "Take a role back on a #channel, the `workspace` or the `enterprise`; you need ASSIGN_ROLES there."},
		{Pattern: "who can <permission>", Group: Group, Handler: c.whoCan,
			Description: "List the members whose roles give them a permission in this channel."},
		{Pattern: "who can <permission> in <channel:channel>", Group: Group, Handler: c.whoCan,
			Description: "List the members whose roles give them a permission in a channel."},
		{Pattern: "audit", Group: Group, Permission: PermViewAuditLog, Handler: c.audit,
			Description: fmt.Sprintf("Show the last %d role changes in this organisation that you may see.", DefaultAuditLimit)},
		{Pattern: "audit <n:int>", Group: Group, Permission: PermViewAuditLog, Handler: c.audit,
			Description: fmt.Sprintf("Show the last n role changes in this organisation that you may see (at most %d).", MaxAuditLimit)},
	}
}

// place resolves where req was written, in the entity tree.
func (c *commands) place(ctx context.Context, req *bot.Request) (place, error) {
	return resolvePlace(ctx, c.engine, req.Message)
}

// roleName reads a role argument; role names are UPPER_SNAKE.
func roleName(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// userMention formats a user id as a mention.
func userMention(id string) string { return "<@" + id + ">" }
