// Package console is Bastion's admin console: server-rendered HTML pages
// for roles and their permissions, assignments (by user, entity or role),
// the entity tree, account types and team preferences, Slack installations
// with their granted scopes, pending approvals and the audit log.
//
// People sign in with Slack (OpenID Connect) when it is configured, or,
// in development, by picking a user. Sessions are HMAC-signed cookies and
// every POST carries the session's CSRF token.
//
// Each page shows only what the signed-in user may see. Reading needs a
// VIEW_ permission from the roles file, held through a role on an entity
// and covering the entity and everything below it: VIEW_ROLES (the
// system roles, and custom roles whose scope is at, above or below where
// it is held), VIEW_ASSIGNMENTS (the entities there and the assignments on
// them; everyone sees their own assignments), VIEW_AUDIT_LOG (the entries
// about those entities), VIEW_TEAM_SETTINGS (account types and
// preferences), VIEW_INSTALLATIONS (Slack installations) and
// VIEW_APPROVALS (pending approvals; everyone sees their own requests).
// A page whose user holds its permission nowhere answers 403 and says
// which permission it needs. The home page, which lists the user's own
// permissions, needs none. Any member of a workspace (not a guest) may
// sign in.
//
// Pages are drawn from the signed-in user's permissions: controls and
// data marked data-needs="PERMISSION" (with data-entity="ID" when they
// concern one entity) are hidden when the user cannot use or see them.
// The page fetches the permissions once when it loads and again whenever
// the server-sent event stream, fed by the engine's Subscribe, says they
// changed: what was lost is hidden at once, and a page whose user gained
// something is drawn again by the server. The stream and the permissions
// the script reads name only the user's own permissions and the part of
// the entity tree around them, never a store revision. This is only
// presentation: every write is checked again, authoritatively, by the
// server, and a refused one answers "You no longer have permission to
// …".
//
// Writes need, as in the permission server, ASSIGN_ROLES on the entity
// (assign, revoke) or ADMINISTER_ROLES on the role's scope, the entity's
// parent or the team (custom roles, entities, account types, team
// preferences). Writes are recorded in the audit log with the actor
// "TEAM/USER". An assignment, a revoke, a role's edit and an entity's
// save are previewed first (Options.Previewer): the confirm page says who
// gains and loses what, on the entities the reader may see. Approve and
// Reject on the approvals page vote through the approval workflow
// (Options.Votes), which decides whether the vote counts.
//
// Pages show users, channels, workspaces and enterprises by the names of
// Options.Names, with the id on hover; pickers search by name and send
// ids. Names never decide anything.
//
// The live stream hears of changes made through the same engine at once;
// run the engine's Follow so that it also hears of changes made by other
// processes sharing the store. The stream is long-lived: do not wrap the
// handler in http.TimeoutHandler.
//
// Mount the handler at its prefix (default /console):
//
//	c, err := console.New(console.Options{Engine: engine, DevSignIn: true})
//	mux.Handle("/console/", c.Handler())
package console
