// Package access is just-in-time access in Slack: a person asks for a
// role on an entity for a while and a reason (`request BACKOFFICE_OPERATOR
// on #backoffice for 2h because INC-4211`), people holding the role's
// approver permission approve it through the approval workflow
// (internal/approval), and the role is granted until an end that the
// permission engine enforces. Fifteen minutes before the end the holder
// is reminded, with an Extend button; at the end the thread says so;
// `my access` lists what a person holds for a while.
//
// What may be requested, for how long and with whose approval is the
// roles file's request policy of each role (authz.RequestPolicy).
package access
