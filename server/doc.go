// Package server serves the permission engine over HTTP: the
// bastion.authz.v1.PermissionService, so that gRPC, gRPC-Web and Connect
// clients all reach it on one port (HTTP/1.1 and unencrypted HTTP/2),
// together with gRPC server reflection, the standard gRPC health service,
// /healthz, /readyz and /metrics.
//
// Serve shares the port between two transports: HTTP/2 connections whose
// first request is gRPC go to google.golang.org/grpc's server, which costs
// a fraction of the CPU per call of gRPC over net/http's HTTP/2 server;
// everything else goes to net/http with connect-go's handlers (Handler).
// Both call the same handlers, with the same API keys (one function
// decides), the same request size bound (Options.MaxRequestBytes) and the
// same metrics. A connection stays with the transport of its first
// request, so a client that mixes Connect and gRPC requests on one HTTP/2
// connection gets HTTP 415 for the Connect ones; stock clients use one
// protocol per connection.
//
// Every RPC except health and reflection needs "authorization: Bearer KEY"
// with one of the configured API keys; the scheme is matched in any case
// (RFC 6750), and keys are compared by their SHA-256 digests in constant
// time. Admin writes also name an acting user, whose own
// permissions are checked authoritatively before the write, by the rule
// of authz.AuthorizeAdminWrite (the admin console and the bot's grant and
// revoke apply the same one):
//
//   - AssignRole and RevokeRole: ASSIGN_ROLES on the target entity.
//   - PutRole: ADMINISTER_ROLES on the role's scope; when it replaces a
//     role of another scope (the role moves), on that former scope as
//     well, so that nobody can take a role away from a scope they do not
//     administer.
//   - DeleteRole: ADMINISTER_ROLES on the role's scope.
//   - UpsertEntity: ADMINISTER_ROLES on the entity's parent and, when an
//     existing entity moves, on the parent it leaves too (on the entity
//     itself when it was a root). A root saved as a root needs it on
//     itself. Making a root, by creating an entity without a parent or
//     moving one to none, is refused to every actor: root entities come
//     from the CLI or a bulk import, not from the API.
//   - SetAccountType and SetTeamPreferences: ADMINISTER_ROLES on the team.
//
// A check that cannot be answered (the store is unreachable, the entity
// does not exist) refuses the write. Each write lands only if every row
// its authorization was decided on is still at the revision the decision
// saw, compared in the write's transaction (authz.Prior): each entity
// from the one checked up to its root, the acting user's version, the
// custom role that granted the permission, and the role or entity the
// write replaces (and, for an assignment of a custom role, that role). If
// another write changed any of them in between, even moving something
// away and back, the write fails with Aborted.
// The actor's team is the team the check runs in. Writes are recorded in
// the audit log with the actor "TEAM/USER" (for example "T1/UROLES").
//
// A store restored from a backup or created anew under a running server
// is read again in full; until that succeeds every call that needs it
// answers Unavailable and /readyz answers 503 (authz.ErrUnavailable).
package server
