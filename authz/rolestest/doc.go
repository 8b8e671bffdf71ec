// Package rolestest runs tests of a roles file: a test file declares a
// small organisation (entities, account types, team preferences, custom
// roles, assignments) and what must hold in it (checks that allow or deny,
// with the deciding rule where it matters, who holds a permission on an
// entity, and what a user's permissions are), and Run answers every
// expectation with the real permission engine on a scratch store.
//
// A test file looks like this:
//
//	entities:
//	  - {id: T1, type: workspace}
//	  - {id: C1, type: channel, parent: T1}
//	accounts:
//	  T1: {UADA: admin, UMIA: member, UCHAN: member, UGUS: restricted}
//	assignments:
//	  - {user: UCHAN, role: CHANNELS_ADMIN, entity: T1}
//	tests:
//	  - permission: ARCHIVE_CHANNEL
//	    entity: C1
//	    allow: [UCHAN]
//	    deny: [UMIA, {user: UGUS, rule: deny_if_actor_restricted}]
//	  - who_can: ARCHIVE_CHANNEL
//	    entity: C1
//	    users: [UCHAN]
//
// Errors in a test file name its line, as the roles file's do.
package rolestest
