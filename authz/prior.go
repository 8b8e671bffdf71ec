package authz

import (
	"errors"
	"fmt"
)

// ErrConflict marks a write refused because what its authorization was
// decided on changed after it was authorized; reading again and retrying
// decides anew.
var ErrConflict = errors.New("conflict")

// RowKind names a kind of stored row an admin write's authorization rests
// on.
type RowKind string

// Row kinds.
const (
	// RowEntity is an entity: who may write on it or below it depends on
	// its place in the tree.
	RowEntity RowKind = "entity"
	// RowRole is a custom role: its scope says who administers it and
	// where it may be assigned, its permissions what it grants.
	RowRole RowKind = "role"
	// RowUser is a user's version (UserVersionReader): the revision of the
	// last write to the user's assignments or account types, which decide
	// what the acting user may do.
	RowUser RowKind = "user"
)

// SeenRow is one stored row as an admin write's authorization saw it.
type SeenRow struct {
	Kind RowKind
	// ID is the entity id, role name or user id.
	ID string
	// Revision is the revision of the write that last changed the row (for
	// a user, the user's version); 0 when the row did not exist.
	Revision Revision
	// Parent is the entity's parent or the role's scope as seen (empty for
	// a user), compared too.
	Parent string
}

// Prior is what an admin write expects to find in the store: the rows its
// authorization was decided on (the entities on the path from each entity
// checked up to its root, the acting user's version, the custom role that
// granted the permission) and the row it replaces (the role or entity
// saved or deleted, absent for a new one), each at the revision it had.
// The store compares them within the write, such that none can change
// between the comparison and the write's commit, so another write landing
// between the authorization
// and this one makes it fail with ErrConflict instead of changing
// something nobody authorized. Revisions only grow, so a row moved away
// and back (A→B→A) does not compare equal to what was seen. The zero
// Prior expects nothing: writes not made on behalf of an actor (the
// command line, imports) are not authorized.
type Prior struct {
	// Checked makes the store compare; when false, anything is replaced.
	Checked bool
	// Rows are the rows compared, as seen.
	Rows []SeenRow
}

// With returns p expecting rows too; rows already expected as seen are
// not repeated.
func (p Prior) With(rows ...SeenRow) Prior {
	out := Prior{Checked: p.Checked, Rows: make([]SeenRow, 0, len(p.Rows)+len(rows))}
	seen := map[SeenRow]bool{}
	for _, r := range append(append([]SeenRow(nil), p.Rows...), rows...) {
		if !seen[r] {
			seen[r] = true
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// StoredRow reads a row as the store holds it in the write's transaction:
// its revision (0 when absent), and an entity's parent or a role's scope.
type StoredRow func(kind RowKind, id string) (rev Revision, parent string, err error)

// Verify compares each row of p with what read returns (its revision, and
// an entity's parent or a role's scope) and fails with an ErrConflict
// naming the first difference. It does nothing for an unchecked Prior.
func (p Prior) Verify(read StoredRow) error {
	if !p.Checked {
		return nil
	}
	for _, want := range p.Rows {
		rev, parent, err := read(want.Kind, want.ID)
		if err != nil {
			return fmt.Errorf("read %s %s to compare with what this write was authorized on: %w", want.Kind, want.ID, err)
		}
		if rev != want.Revision || parent != want.Parent {
			return conflict(want, rev, parent)
		}
	}
	return nil
}

// conflict describes how row changed from seen to (rev, parent).
func conflict(seen SeenRow, rev Revision, parent string) error {
	parentWord := "parent"
	if seen.Kind == RowRole {
		parentWord = "scope"
	}
	var what string
	switch {
	case seen.Kind == RowUser:
		what = "changed (their roles or account types)"
	case seen.Revision == 0:
		what = "was created"
	case rev == 0:
		what = "was deleted"
	case parent != seen.Parent:
		what = fmt.Sprintf("moved from %s %s to %s", parentWord, orNone(seen.Parent), orNone(parent))
	default:
		what = "was written again"
		if seen.Kind == RowEntity {
			what += " (moved away and back, or edited)"
		}
	}
	return fmt.Errorf("%w: %s %s %s after this write was authorized (at revision %d then, %d now)",
		ErrConflict, seen.Kind, seen.ID, what, seen.Revision, rev)
}

func orNone(id string) string {
	if id == "" {
		return "(none)"
	}
	return id
}
