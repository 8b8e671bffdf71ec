// Package preview says what one admin write would change in who may do
// what, before it is made: the users who would gain or lose which
// permissions on which entities.
//
// The answer comes from rolesdiff.ForWrite, which decides as a permission
// check does: a user holds a permission on an entity when one of their
// role assignments, on the entity or an ancestor, grants it (a custom
// role's only while its scope encloses the assignment's entity, so a
// move out of the scope loses what it granted), the permission applies
// to the entity's type, and the user is a member (not a guest) of the
// entity's workspace. A change is named on the entity
// where it happens (the entity assigned on, the role's assignments, the
// entity that moves) and covers what lies below it. Before asking, the
// previewer refuses what the engine would refuse (an unknown role or
// entity, a system role edited, an entity moved below itself), so that a
// preview is never shown for a write that cannot be made.
//
// The state is read when the preview is asked for, so the preview is
// advice: the write itself is authorized and validated again when it is
// made, and writes made in between are not in the preview.
package preview

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
)

// Kind names the write being previewed.
type Kind string

// Writes that can be previewed.
const (
	Assign       Kind = "assign"
	Revoke       Kind = "revoke"
	PutRole      Kind = "put_role"
	UpsertEntity Kind = "upsert_entity"
)

// Write is one admin write to preview. Set the fields its Kind uses:
// UserID, Role and EntityID for Assign and Revoke, NewRole for PutRole
// (the role as it would be saved), Entity for UpsertEntity (as it would
// be saved: a new entity, or an existing one with its new parent).
type Write struct {
	Kind     Kind
	UserID   string
	Role     string
	EntityID string
	NewRole  authz.Role
	Entity   authz.Entity
}

// Change is a set of permissions gained (or lost) on a set of entities,
// each entity with what lies below it.
type Change struct {
	// Permissions are sorted names.
	Permissions []string
	// Entities are sorted ids.
	Entities []string
}

// UserChange is what one user gains and loses.
type UserChange struct {
	UserID string
	Gains  []Change
	Losses []Change
}

// Ineligible is the user an assignment is for when their roles count for
// nothing in the entity's workspace: they have no account there, or a
// guest's.
type Ineligible struct {
	UserID string
	TeamID string
	// AccountType is "none" for no account.
	AccountType string
}

// Result is what a write would change.
type Result struct {
	// Users are the users whose permissions change, sorted by id.
	Users []UserChange
	// Ineligible is set for an assignment whose user gains nothing in
	// the entity's workspace whatever their roles.
	Ineligible []Ineligible
	// AssignmentsRead counts the assignments read to decide.
	AssignmentsRead int
}

// Engine is what the previewer reads to refuse what the engine would;
// *authz.Engine satisfies it.
type Engine interface {
	Catalog() *authz.Catalog
	Roles(ctx context.Context) ([]authz.Role, error)
	Entities(ctx context.Context) ([]authz.Entity, error)
}

// Previewer previews writes on the organisation a rolesdiff.Source holds.
type Previewer struct {
	engine Engine
	src    rolesdiff.Source
}

// New returns a previewer reading engine and, for the impact, the
// engine's store (rolesdiff.FromStore).
func New(engine Engine, store authz.Store) *Previewer {
	return &Previewer{engine: engine, src: rolesdiff.FromStore(store)}
}

// Preview says what w would change. A write the engine would refuse is
// authz.ErrNotFound (an unknown role, entity or parent) or
// authz.ErrInvalidRequest (a malformed id, a system role, an entity moved
// below itself or changing type); other errors mean the state could not
// be read.
func (p *Previewer) Preview(ctx context.Context, w Write) (Result, error) {
	ents, err := p.engine.Entities(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("preview: read entities: %w", err)
	}
	t := newTree(ents)
	rw, err := p.check(ctx, t, w)
	if err != nil {
		return Result{}, err
	}
	imp, err := rolesdiff.ForWrite(ctx, p.src, p.engine.Catalog(), rw)
	if err != nil {
		return Result{}, fmt.Errorf("preview: %w", err)
	}
	if w.Kind == UpsertEntity {
		t = t.with(w.Entity)
	}
	res := Result{Users: group(applicable(p.engine.Catalog(), t, imp.Changes)), AssignmentsRead: imp.AssignmentsRead}
	if w.Kind == Assign {
		in, err := p.ineligible(ctx, t, w)
		if err != nil {
			return Result{}, err
		}
		res.Ineligible = in
	}
	return res, nil
}

// check refuses what the engine would refuse, and returns the write as
// rolesdiff takes it.
func (p *Previewer) check(ctx context.Context, t *tree, w Write) (rolesdiff.Write, error) {
	switch w.Kind {
	case Assign, Revoke:
		if err := authz.ValidateID("user", w.UserID); err != nil {
			return rolesdiff.Write{}, fmt.Errorf("%w: %v", authz.ErrInvalidRequest, err)
		}
		roles, err := p.roles(ctx)
		if err != nil {
			return rolesdiff.Write{}, err
		}
		if _, ok := roles[w.Role]; !ok {
			return rolesdiff.Write{}, fmt.Errorf("%w: role %s does not exist", authz.ErrNotFound, w.Role)
		}
		if _, ok := t.ents[w.EntityID]; !ok {
			return rolesdiff.Write{}, fmt.Errorf("%w: entity %s is not known", authz.ErrNotFound, w.EntityID)
		}
		kind := authz.WriteAssign
		if w.Kind == Revoke {
			kind = authz.WriteRevoke
		}
		return rolesdiff.Write{Kind: kind, Assignment: authz.Assignment{UserID: w.UserID, Role: w.Role, EntityID: w.EntityID}}, nil
	case PutRole:
		r := w.NewRole
		if err := authz.ValidateName("role", r.Name); err != nil {
			return rolesdiff.Write{}, fmt.Errorf("%w: %v", authz.ErrInvalidRequest, err)
		}
		if _, system := p.engine.Catalog().Roles[r.Name]; system {
			return rolesdiff.Write{}, fmt.Errorf("%w: %s is a system role; system roles change only in the roles file", authz.ErrInvalidRequest, r.Name)
		}
		if _, ok := t.ents[r.Scope]; !ok {
			return rolesdiff.Write{}, fmt.Errorf("%w: role %s scope: entity %s is not known", authz.ErrNotFound, r.Name, r.Scope)
		}
		return rolesdiff.Write{Kind: authz.WritePutRole, Role: r}, nil
	case UpsertEntity:
		e := w.Entity
		if err := authz.ValidateID("entity", e.ID); err != nil {
			return rolesdiff.Write{}, fmt.Errorf("%w: %v", authz.ErrInvalidRequest, err)
		}
		if _, ok := p.engine.Catalog().EntityTypes[e.Type]; !ok {
			return rolesdiff.Write{}, fmt.Errorf("%w: unknown entity type %q", authz.ErrInvalidRequest, e.Type)
		}
		if old, ok := t.ents[e.ID]; ok && old.Type != e.Type {
			return rolesdiff.Write{}, fmt.Errorf("%w: entity %s is a %s; its type cannot change to %s", authz.ErrInvalidRequest, e.ID, old.Type, e.Type)
		}
		if e.ParentID != "" {
			if _, ok := t.ents[e.ParentID]; !ok {
				return rolesdiff.Write{}, fmt.Errorf("%w: parent %s of %s does not exist", authz.ErrNotFound, e.ParentID, e.ID)
			}
			for _, id := range t.chain(e.ParentID) {
				if id == e.ID {
					return rolesdiff.Write{}, fmt.Errorf("%w: %s cannot move below %s, which lies below it", authz.ErrInvalidRequest, e.ID, e.ParentID)
				}
			}
		}
		return rolesdiff.Write{Kind: authz.WriteUpsertEntity, Entity: e}, nil
	}
	return rolesdiff.Write{}, fmt.Errorf("%w: cannot preview a write of kind %q", authz.ErrInvalidRequest, w.Kind)
}

func (p *Previewer) roles(ctx context.Context) (map[string]bool, error) {
	list, err := p.engine.Roles(ctx)
	if err != nil {
		return nil, fmt.Errorf("preview: read roles: %w", err)
	}
	out := map[string]bool{}
	for _, r := range list {
		out[r.Name] = true
	}
	return out, nil
}

// ineligible says when the user of an assignment is no member of the
// entity's workspace (of any, for an entity above every workspace).
func (p *Previewer) ineligible(ctx context.Context, t *tree, w Write) ([]Ineligible, error) {
	recs, err := p.src.Users(ctx, []string{w.UserID})
	if err != nil || len(recs) != 1 {
		return nil, fmt.Errorf("preview: read user %s: %v", w.UserID, err)
	}
	rec := recs[0]
	team := t.team(w.EntityID)
	if team == "" {
		for _, a := range rec.AccountTypes {
			if a.Type != authz.AccountNone && !a.Type.Restricted() {
				return nil, nil
			}
		}
		return []Ineligible{{UserID: w.UserID, AccountType: "none"}}, nil
	}
	at := rec.AccountType(team)
	if at != authz.AccountNone && !at.Restricted() {
		return nil, nil
	}
	name := "none"
	if at != authz.AccountNone {
		name = at.String()
	}
	return []Ineligible{{UserID: w.UserID, TeamID: team, AccountType: name}}, nil
}

// applicable keeps the changes of permissions that apply to the entity
// or to something below it: a permission gained on a channel that applies
// only to workspaces changes no check.
func applicable(cat *authz.Catalog, t *tree, changes []rolesdiff.Change) []rolesdiff.Change {
	below := t.typesBelow()
	var out []rolesdiff.Change
	for _, c := range changes {
		for typ := range below[c.EntityID] {
			if cat.Applies(c.Permission, typ) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// group turns rolesdiff's changes into each user's gains and losses,
// permissions that change on the same entities together.
func group(changes []rolesdiff.Change) []UserChange {
	type dir struct {
		user   string
		gained bool
	}
	perEntity := map[dir]map[string][]string{}
	for _, c := range changes {
		d := dir{c.UserID, c.Gained}
		if perEntity[d] == nil {
			perEntity[d] = map[string][]string{}
		}
		perEntity[d][c.EntityID] = append(perEntity[d][c.EntityID], c.Permission)
	}
	byUser := map[string]*UserChange{}
	for d, ents := range perEntity {
		bySet := map[string]*Change{}
		for id, perms := range ents {
			sort.Strings(perms)
			k := strings.Join(perms, " ")
			if bySet[k] == nil {
				bySet[k] = &Change{Permissions: perms}
			}
			bySet[k].Entities = append(bySet[k].Entities, id)
		}
		var list []Change
		for _, c := range bySet {
			sort.Strings(c.Entities)
			list = append(list, *c)
		}
		sort.Slice(list, func(i, j int) bool {
			if a, b := strings.Join(list[i].Entities, " "), strings.Join(list[j].Entities, " "); a != b {
				return a < b
			}
			return strings.Join(list[i].Permissions, " ") < strings.Join(list[j].Permissions, " ")
		})
		uc := byUser[d.user]
		if uc == nil {
			uc = &UserChange{UserID: d.user}
			byUser[d.user] = uc
		}
		if d.gained {
			uc.Gains = list
		} else {
			uc.Losses = list
		}
	}
	out := make([]UserChange, 0, len(byUser))
	for _, uc := range byUser {
		out = append(out, *uc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserID < out[j].UserID })
	return out
}
