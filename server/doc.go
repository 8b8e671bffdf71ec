// Package server serves the permission engine over HTTP: the
// bastion.authz.v1.PermissionService with connect-go, so that gRPC,
// gRPC-Web and Connect clients all reach it on one port (HTTP/1.1 and
// unencrypted HTTP/2), together with gRPC server reflection, the standard
// gRPC health service, /healthz, /readyz and /metrics.
//
// Every RPC except health and reflection needs "authorization: Bearer KEY"
// with one of the configured API keys. Admin writes also name an acting user, whose own
// permissions are checked authoritatively before the write:
//
//   - AssignRole and RevokeRole: ASSIGN_ROLES on the target entity.
//   - PutRole and DeleteRole: ADMINISTER_ROLES on the role's scope.
//   - UpsertEntity: ADMINISTER_ROLES on the entity's parent, or on the
//     entity itself when it has no parent (so new root entities come from
//     the CLI or a bulk import, not from the API).
//   - SetAccountType and SetTeamPreferences: ADMINISTER_ROLES on the team.
//
// The actor's team is the team the check runs in. Writes are recorded in
// the audit log with the actor "TEAM/USER" (for example "T1/UROLES").
package server
