// Package builtin holds the bot's built-in commands about permissions
// themselves: whoami, roles, grant, revoke, who can and audit. They run
// against the permission engine (an *authz.Engine satisfies Engine), so a
// role granted in Slack is the same assignment a check reads, and every
// grant and revoke lands in the engine's audit log under the Slack user
// who made it ("TEAM/USER", as the permission service records actors).
//
// Permissions: grant and revoke need ASSIGN_ROLES (the router checks it in
// the channel the command is typed in, and the handler checks it again on
// the target entity by the rule the permission server and the console
// apply, authz.AuthorizeAdminWrite, so holding ROLES_ADMIN on the target
// is what allows the write); audit needs VIEW_AUDIT_LOG in the channel and
// shows the changes about the entities where the caller holds it, the
// rule of the console's audit page.
// whoami, roles and who can are open: they show what the permission model
// already lets every member infer, and VIEW_USER_GROUPS applies to
// workspaces only, so it cannot be checked on the channel a command runs
// in.
package builtin
