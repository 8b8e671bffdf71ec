// Package console is Bastion's admin console: server-rendered HTML pages
// for roles and their permissions, assignments (by user, entity or role),
// the entity tree, account types and team preferences, Slack installations
// with their granted scopes, pending approvals and the audit log.
//
// People sign in with Slack (OpenID Connect) when it is configured, or,
// in development, by picking a user. Sessions are HMAC-signed cookies and
// every POST carries the session's CSRF token.
//
// Pages are drawn from the signed-in user's permissions: controls marked
// data-needs="PERMISSION" (with data-entity="ID" when they act on one
// entity) are hidden when the user cannot use them. The page fetches the
// permissions once when it loads and again whenever the server-sent event
// stream, fed by the engine's Subscribe, says they may have changed. This
// is only presentation: every write is checked again, authoritatively, by
// the server, and a refused one answers "You no longer have permission to
// …".
//
// Any member of a workspace (not a guest) may sign in and read every page;
// writes need, as in the permission server, ASSIGN_ROLES on the entity
// (assign, revoke) or ADMINISTER_ROLES on the role's scope or the team
// (custom roles, account types, team preferences). Writes are recorded in
// the audit log with the actor "TEAM/USER".
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
