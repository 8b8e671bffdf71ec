package authz

import "time"

// Entity is something roles are assigned on: an enterprise, a workspace, a
// channel, or a type declared in the roles file.
type Entity struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	ParentID string `json:"parent_id,omitempty"`
	// CreatorID is the user who created the entity (channels), if known.
	CreatorID string `json:"creator_id,omitempty"`
}

// Assignment gives a user a role on an entity and everything below it.
type Assignment struct {
	UserID    string    `json:"user_id"`
	Role      string    `json:"role"`
	EntityID  string    `json:"entity_id"`
	GrantedBy string    `json:"granted_by,omitempty"`
	GrantedAt time.Time `json:"granted_at"`
	// ExpiresAt is when the assignment ends; zero when it never does.
	// From that instant, by the engine's clock (Options.Now), every check
	// treats it as absent, whether or not the sweeper (Engine.Sweep) has
	// removed it yet. Stored to the millisecond.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Reason says why the role was given (at most MaxReasonLength bytes);
	// it is stored with the assignment and in the audit log.
	Reason string `json:"reason,omitempty"`
}

// MaxReasonLength bounds Assignment.Reason, in bytes.
const MaxReasonLength = 1024

// ActiveAt reports whether the assignment grants anything at now: it has
// no end, or ends after now.
func (a *Assignment) ActiveAt(now time.Time) bool {
	return a.ExpiresAt.IsZero() || now.Before(a.ExpiresAt)
}

// AccountTypeRecord is a user's account type in one team.
type AccountTypeRecord struct {
	TeamID string      `json:"team_id"`
	Type   AccountType `json:"type"`
}

// UserRecord is everything a check needs about one user, read in one query.
type UserRecord struct {
	UserID       string
	Assignments  []Assignment
	AccountTypes []AccountTypeRecord
	// Revision is the store's revision when the record was read.
	Revision Revision
	// Version is the revision of the last write that changed this user
	// (0 when the store keeps no versions, or the user was never written).
	Version Revision
}

// AccountType returns the user's account type in team, or AccountNone.
func (u *UserRecord) AccountType(team string) AccountType {
	for _, a := range u.AccountTypes {
		if a.TeamID == team {
			return a.Type
		}
	}
	return AccountNone
}

// Reference is the data shared by all users' checks: entities, team
// preferences and custom roles, as of Revision.
type Reference struct {
	// StoreID is the store's id (Head.StoreID).
	StoreID string
	// Last is the newest change-log entry at or before Revision; nil when
	// the log is empty.
	Last      *Change
	Revision  Revision
	Entities  map[string]Entity
	TeamPrefs map[string]map[string]string
	Roles     map[string]Role
	// EntityRevisions and RoleRevisions are the revisions of the writes
	// that last changed each entity and custom role: what an admin write
	// authorized on them expects to find (Prior).
	EntityRevisions map[string]Revision
	RoleRevisions   map[string]Revision
}

// init makes the maps a store left nil empty.
func (r *Reference) init() {
	if r.Entities == nil {
		r.Entities = map[string]Entity{}
	}
	if r.TeamPrefs == nil {
		r.TeamPrefs = map[string]map[string]string{}
	}
	if r.Roles == nil {
		r.Roles = map[string]Role{}
	}
	if r.EntityRevisions == nil {
		r.EntityRevisions = map[string]Revision{}
	}
	if r.RoleRevisions == nil {
		r.RoleRevisions = map[string]Revision{}
	}
}

// Head is where a store's history stands, as one read shows it.
type Head struct {
	// StoreID is the id the store recorded when it was created. A store
	// created anew (its database dropped and created again) has another;
	// one restored from a backup has the backup's.
	StoreID string
	// Revision is the revision of the last write.
	Revision Revision
	// At is the change-log entry at the revision asked for, or nil when
	// there is none.
	At *Change
}

// ChangeKind names what a change-log entry changed.
type ChangeKind string

// Change kinds.
const (
	ChangeEntity      ChangeKind = "entity.upsert"
	ChangeAccountType ChangeKind = "account_type.set"
	ChangeTeamPrefs   ChangeKind = "team_prefs.set"
	ChangeRolePut     ChangeKind = "role.put"
	ChangeRoleDelete  ChangeKind = "role.delete"
	ChangeAssign      ChangeKind = "assignment.add"
	ChangeRevoke      ChangeKind = "assignment.remove"
	// ChangeExpire removes an assignment whose end has come: the sweeper
	// writes it once per assignment, whichever process sweeps first.
	ChangeExpire ChangeKind = "assignment.expire"
	// ChangeImport is a bulk load; followers reload all reference data.
	ChangeImport ChangeKind = "bulk.import"
)

// AffectsReference reports whether the change alters shared reference data
// (as opposed to one user's own rows).
func (k ChangeKind) AffectsReference() bool {
	return k == ChangeEntity || k == ChangeTeamPrefs || k == ChangeRolePut || k == ChangeRoleDelete || k == ChangeImport
}

// Import is a batch of rows for a bulk load (seeding, migrating from another
// system, benchmarks). Rows that exist are replaced.
type Import struct {
	Entities     []Entity
	AccountTypes []ImportedAccount
	Assignments  []Assignment
}

// ImportedAccount is one account type row of an Import.
type ImportedAccount struct {
	TeamID string
	UserID string
	Type   AccountType
}

// Change is one entry of the append-only change log, which is also the audit
// log. Before and After hold JSON of the changed record ("" when absent).
type Change struct {
	Revision Revision   `json:"revision"`
	At       time.Time  `json:"at"`
	Actor    string     `json:"actor"`
	Kind     ChangeKind `json:"kind"`
	// Key identifies the changed record: an entity id, "team/user", a role
	// name, or "user/role/entity".
	Key      string `json:"key"`
	UserID   string `json:"user_id,omitempty"`
	TeamID   string `json:"team_id,omitempty"`
	EntityID string `json:"entity_id,omitempty"`
	Before   string `json:"before,omitempty"`
	After    string `json:"after,omitempty"`
}

// ChangeFilter selects change-log entries. Zero fields match everything.
type ChangeFilter struct {
	// After and Before bound the revisions, both excluded.
	After  Revision
	Before Revision
	// Newest lists the newest entries first, so that Limit keeps the
	// most recent ones below Before.
	Newest   bool
	Actor    string
	UserID   string
	EntityID string
	Kind     ChangeKind
	Limit    int
}

// AssignmentFilter selects assignments by exactly one of UserID, EntityID,
// Role, or by ExpiringBefore alone.
type AssignmentFilter struct {
	UserID   string
	EntityID string
	Role     string
	// ExpiringBefore, when set, selects the assignments that have an end
	// at or before it (ended ones not yet swept included), soonest first.
	ExpiringBefore time.Time
	// Limit bounds an ExpiringBefore listing (0: no bound).
	Limit int
}
