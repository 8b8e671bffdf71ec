// Package preview says what one admin write would change in who may do
// what, before it is made: the users who would gain or lose which
// permissions on which entities.
//
// The answer is computed the way a permission check decides: a user holds
// a permission on an entity when one of their role assignments, on the
// entity or an ancestor, grants it, the permission applies to the
// entity's type, and the user has a full (non-guest) account in the
// entity's workspace (for an entity above every workspace, in some
// workspace). The state is read when the preview is asked for, so the
// preview is advice: the write itself is authorized and validated again
// when it is made, and writes made in between are not in the preview.
package preview

import (
	"context"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
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

// Change is a set of permissions gained (or lost) on a set of entities.
type Change struct {
	// Permissions are sorted names.
	Permissions []string
	// Entities are the highest entities where they change: each covers
	// itself and what lies below it that the permissions apply to.
	Entities []string
	// Covered counts every entity where they change, Entities and what
	// lies below them.
	Covered int
}

// UserChange is what one user gains and loses.
type UserChange struct {
	UserID string
	Gains  []Change
	Losses []Change
}

// Ineligible is a user the write concerns who holds nothing through roles
// in a workspace, because they have no account there or a guest's.
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
	// Ineligible lists users the write concerns who gain nothing in a
	// workspace whatever their roles.
	Ineligible []Ineligible
	// Considered is how many users the write could concern, and Entities
	// how many entities were compared for each.
	Considered int
	Entities   int
}

// Errors of a preview.
var (
	// ErrTooLarge marks a write that concerns more entities or users than
	// a preview compares (MaxEntities, MaxUsers). The write can still be
	// made.
	ErrTooLarge = errors.New("too large to preview")
)

// Bounds of a preview.
const (
	// MaxEntities bounds the entities whose permissions a preview
	// compares.
	MaxEntities = 20000
	// MaxUsers bounds the users a preview reads.
	MaxUsers = 2000
)

// Engine is what the previewer reads from the permission engine;
// *authz.Engine satisfies it.
type Engine interface {
	Catalog() *authz.Catalog
	Roles(ctx context.Context) ([]authz.Role, error)
	Entities(ctx context.Context) ([]authz.Entity, error)
	Assignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error)
}

// Users reads one user's assignments and account types in one read;
// authz.Store (the engine's Store()) satisfies it.
type Users interface {
	LoadUser(ctx context.Context, userID string) (authz.UserRecord, error)
}

// Previewer computes previews from the engine's current state.
type Previewer struct {
	engine Engine
	users  Users
}

// New returns a previewer reading engine and users.
func New(engine Engine, users Users) *Previewer { return &Previewer{engine: engine, users: users} }

// Preview says what w would change. An unknown user, role or entity is
// ErrNotFound, a malformed write ErrInvalidRequest (both from authz), a
// write that concerns too much ErrTooLarge; other errors mean the state
// could not be read.
func (p *Previewer) Preview(ctx context.Context, w Write) (Result, error) {
	cat := p.engine.Catalog()
	ents, err := p.engine.Entities(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("preview: read entities: %w", err)
	}
	roles, err := p.engine.Roles(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("preview: read roles: %w", err)
	}
	s := &state{before: newTree(ents), roles: map[string]authz.Role{}}
	for _, r := range roles {
		s.roles[r.Name] = r
	}
	s.after, s.rolesAfter = s.before, s.roles
	plan, err := p.plan(ctx, s, w)
	if err != nil {
		return Result{}, err
	}
	if len(plan.region) > MaxEntities {
		return Result{}, fmt.Errorf("preview: %w: the write concerns %d entities, more than %d", ErrTooLarge, len(plan.region), MaxEntities)
	}
	if len(plan.users) > MaxUsers {
		return Result{}, fmt.Errorf("preview: %w: the write concerns %d users, more than %d", ErrTooLarge, len(plan.users), MaxUsers)
	}
	res := Result{Considered: len(plan.users), Entities: len(plan.region)}
	for _, uid := range sortedSet(plan.users) {
		rec, err := p.users.LoadUser(ctx, uid)
		if err != nil {
			return Result{}, fmt.Errorf("preview: read user %s: %w", uid, err)
		}
		after := plan.assignments(rec.Assignments)
		uc, inel := s.compare(cat, rec, after, plan.region)
		if len(uc.Gains)+len(uc.Losses) > 0 {
			res.Users = append(res.Users, uc)
		}
		res.Ineligible = append(res.Ineligible, inel...)
	}
	return res, nil
}

// plan is what a write touches: the entities whose permissions may
// change, the users who may be concerned, and how the write changes a
// user's assignments.
type plan struct {
	region map[string]bool
	users  map[string]bool
	// assignments returns a user's assignments after the write.
	assignments func([]authz.Assignment) []authz.Assignment
}

func same(a []authz.Assignment) []authz.Assignment { return a }

func (p *Previewer) plan(ctx context.Context, s *state, w Write) (plan, error) {
	pl := plan{region: map[string]bool{}, users: map[string]bool{}, assignments: same}
	switch w.Kind {
	case Assign, Revoke:
		if err := authz.ValidateID("user", w.UserID); err != nil {
			return pl, fmt.Errorf("%w: %v", authz.ErrInvalidRequest, err)
		}
		if _, ok := s.roles[w.Role]; !ok {
			return pl, fmt.Errorf("%w: role %s does not exist", authz.ErrNotFound, w.Role)
		}
		if _, ok := s.before.ents[w.EntityID]; !ok {
			return pl, fmt.Errorf("%w: entity %s is not known", authz.ErrNotFound, w.EntityID)
		}
		s.before.subtree(w.EntityID, pl.region)
		pl.users[w.UserID] = true
		a := authz.Assignment{UserID: w.UserID, Role: w.Role, EntityID: w.EntityID}
		pl.assignments = func(list []authz.Assignment) []authz.Assignment {
			var out []authz.Assignment
			for _, x := range list {
				if x.Role != a.Role || x.EntityID != a.EntityID {
					out = append(out, x)
				}
			}
			if w.Kind == Assign {
				out = append(out, a)
			}
			return out
		}
	case PutRole:
		r := w.NewRole
		if err := authz.ValidateName("role", r.Name); err != nil {
			return pl, fmt.Errorf("%w: %v", authz.ErrInvalidRequest, err)
		}
		if old, ok := s.roles[r.Name]; ok && old.Scope == "" {
			return pl, fmt.Errorf("%w: %s is a system role; system roles change only in the roles file", authz.ErrInvalidRequest, r.Name)
		}
		after := map[string]authz.Role{}
		for k, v := range s.roles {
			after[k] = v
		}
		after[r.Name] = r
		s.rolesAfter = after
		holders, err := p.engine.Assignments(ctx, authz.AssignmentFilter{Role: r.Name})
		if err != nil {
			return pl, fmt.Errorf("preview: read holders of %s: %w", r.Name, err)
		}
		for _, a := range holders {
			pl.users[a.UserID] = true
			s.before.subtree(a.EntityID, pl.region)
		}
	case UpsertEntity:
		e := w.Entity
		if err := authz.ValidateID("entity", e.ID); err != nil {
			return pl, fmt.Errorf("%w: %v", authz.ErrInvalidRequest, err)
		}
		if e.ParentID != "" {
			if _, ok := s.before.ents[e.ParentID]; !ok {
				return pl, fmt.Errorf("%w: parent %s of %s does not exist", authz.ErrNotFound, e.ParentID, e.ID)
			}
		}
		after, err := s.before.with(e)
		if err != nil {
			return pl, err
		}
		s.after = after
		s.before.subtree(e.ID, pl.region)
		s.after.subtree(e.ID, pl.region)
		touched := map[string]bool{}
		for id := range pl.region {
			touched[id] = true
		}
		for _, id := range append(s.before.chain(e.ID), s.after.chain(e.ID)...) {
			touched[id] = true
		}
		if len(touched) > MaxEntities {
			return pl, fmt.Errorf("preview: %w: the move concerns %d entities, more than %d", ErrTooLarge, len(touched), MaxEntities)
		}
		for _, id := range sortedSet(touched) {
			if _, known := s.before.ents[id]; !known {
				continue // the new entity holds no assignments yet
			}
			list, err := p.engine.Assignments(ctx, authz.AssignmentFilter{EntityID: id})
			if err != nil {
				return pl, fmt.Errorf("preview: read assignments on %s: %w", id, err)
			}
			for _, a := range list {
				pl.users[a.UserID] = true
			}
			if len(pl.users) > MaxUsers {
				return pl, fmt.Errorf("preview: %w: the move concerns more than %d users", ErrTooLarge, MaxUsers)
			}
		}
	default:
		return pl, fmt.Errorf("%w: cannot preview a write of kind %q", authz.ErrInvalidRequest, w.Kind)
	}
	return pl, nil
}
