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
// Mount the handler at its prefix (default /console):
//
//	c, err := console.New(console.Options{Engine: engine, DevSignIn: true})
//	mux.Handle("/console/", c.Handler())
package console
