package rolestest

import (
	"context"
	"fmt"
	"sort"

	"github.com/bastionhq/bastion/authz"
)

// Org is a small organisation to check a roles file against.
type Org struct {
	Entities    []authz.Entity
	Accounts    []authz.ImportedAccount
	Preferences []TeamPreferences
	CustomRoles []authz.Role
	Assignments []authz.Assignment
}

// TeamPreferences are the preferences of one team.
type TeamPreferences struct {
	TeamID string
	Prefs  map[string]string
}

// Section names a part of an Org, for BuildError.
type Section string

// Sections of an Org.
const (
	SectionEntities    Section = "entities"
	SectionAccounts    Section = "accounts"
	SectionPreferences Section = "preferences"
	SectionCustomRoles Section = "custom_roles"
	SectionAssignments Section = "assignments"
)

// BuildError is a part of an Org the engine refused: Index is its place in
// the Section's slice.
type BuildError struct {
	Section Section
	Index   int
	Err     error
}

func (e *BuildError) Error() string { return fmt.Sprintf("%s[%d]: %v", e.Section, e.Index, e.Err) }

func (e *BuildError) Unwrap() error { return e.Err }

// Writer is the part of the engine Build writes through; *authz.Engine
// implements it, validating every write as it would in production.
type Writer interface {
	UpsertEntity(ctx context.Context, e authz.Entity, actor string) (authz.Revision, error)
	SetAccountType(ctx context.Context, teamID, userID string, t authz.AccountType, actor string) (authz.Revision, error)
	SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, actor string) (authz.Revision, error)
	PutRole(ctx context.Context, r authz.Role, actor string) (authz.Revision, error)
	Assign(ctx context.Context, userID, role, entityID, actor string) (authz.Revision, error)
}

// actor is who the writes of a built organisation are logged as.
const actor = "roles-test"

// Build writes org through w: entities (parents before children, whatever
// their order in org), then preferences, account types, custom roles and
// assignments. The first write the engine refuses is returned as a
// *BuildError.
func Build(ctx context.Context, w Writer, org Org) error {
	order, err := entityOrder(org.Entities)
	if err != nil {
		return err
	}
	for _, i := range order {
		if _, err := w.UpsertEntity(ctx, org.Entities[i], actor); err != nil {
			return &BuildError{SectionEntities, i, err}
		}
	}
	for i, p := range org.Preferences {
		if _, err := w.SetTeamPrefs(ctx, p.TeamID, p.Prefs, actor); err != nil {
			return &BuildError{SectionPreferences, i, err}
		}
	}
	for i, a := range org.Accounts {
		if _, err := w.SetAccountType(ctx, a.TeamID, a.UserID, a.Type, actor); err != nil {
			return &BuildError{SectionAccounts, i, err}
		}
	}
	for i, r := range org.CustomRoles {
		if _, err := w.PutRole(ctx, r, actor); err != nil {
			return &BuildError{SectionCustomRoles, i, err}
		}
	}
	for i, a := range org.Assignments {
		if _, err := w.Assign(ctx, a.UserID, a.Role, a.EntityID, actor); err != nil {
			return &BuildError{SectionAssignments, i, err}
		}
	}
	return nil
}

// entityOrder returns the indexes of ents with every parent declared in
// ents before its children. A repeated id, a parent that is not declared,
// or a cycle is a *BuildError.
func entityOrder(ents []authz.Entity) ([]int, error) {
	index := make(map[string]int, len(ents))
	for i, e := range ents {
		if _, dup := index[e.ID]; dup {
			return nil, &BuildError{SectionEntities, i, fmt.Errorf("entity %s is declared twice", e.ID)}
		}
		index[e.ID] = i
	}
	for i, e := range ents {
		if _, ok := index[e.ParentID]; e.ParentID != "" && !ok {
			return nil, &BuildError{SectionEntities, i, fmt.Errorf("parent %s of %s is not declared", e.ParentID, e.ID)}
		}
	}
	// depth counts ancestors; a chain longer than the list is a cycle.
	depth := make([]int, len(ents))
	for i, e := range ents {
		for p := e.ParentID; p != ""; p = ents[index[p]].ParentID {
			if depth[i]++; depth[i] > len(ents) {
				return nil, &BuildError{SectionEntities, i, fmt.Errorf("entity %s is its own ancestor", e.ID)}
			}
		}
	}
	order := make([]int, len(ents))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return depth[order[a]] < depth[order[b]] })
	return order, nil
}
