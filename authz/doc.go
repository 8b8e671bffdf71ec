// Package authz is Bastion's permission engine.
//
// Permissions are named actions (ARCHIVE_CHANNEL). A role is a set of
// permissions. A user is assigned a role with respect to an entity (an
// enterprise, a workspace, a channel, or any type declared in the roles
// file), and the assignment covers that entity and everything below it.
// Policies are ordered rules per action: the first rule that does not
// abstain decides, and no decision means deny. When RBAC does not allow,
// the legacy model (account types and team preferences) can.
//
// The Engine answers checks. Everything a check needs about a user is read
// in one query keyed by user id; reference data (entities, team preferences,
// custom roles) is held in memory and brought up to date from the store's
// change log whenever the store's revision moves, so an authoritative check
// reflects every write acknowledged before it began. The engine follows
// one history: a store found behind it, with another id, or without the
// change it applied last (restored from a backup, created anew) is read
// again in full, and until that succeeds the engine answers
// ErrUnavailable (Engine.Sync, Engine.Ready).
//
// Admin writes made on behalf of a user (the methods ending in As) are
// authorized (AuthorizeAdminWrite) and then written only if every row the
// decision rested on is still at the revision it saw (Prior).
package authz
