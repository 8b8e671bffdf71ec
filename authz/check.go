package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Check answers an eligibility request: one decision per permission. A
// malformed request, an unknown team or entity, or an unreachable store is
// an error (the caller must deny); an unknown or inapplicable permission is
// a deny with a ReasonError reason.
func (e *Engine) Check(ctx context.Context, req EligibilityRequest) (Result, error) {
	return e.check(ctx, req, nil)
}

// check is Check; when seen is not nil, it also appends the rows the
// decisions rested on (decisionRows).
func (e *Engine) check(ctx context.Context, req EligibilityRequest, seen *[]SeenRow) (Result, error) {
	if err := req.Validate(); err != nil {
		return Result{}, err
	}
	for attempt := 1; ; attempt++ {
		user, authoritative, epoch, err := e.loadUser(ctx, req.UserID, req.Consistency)
		if err == nil {
			var res Result
			res, err = e.decideEligibility(req, user, authoritative, epoch, seen)
			if err == nil {
				return res, nil
			}
		}
		if !errors.Is(err, errHistoryChanged) || attempt == historyAttempts {
			return Result{}, err
		}
	}
}

// decideEligibility answers a validated request for a loaded user, and
// appends to seen (unless nil) the rows the decisions rested on.
func (e *Engine) decideEligibility(req EligibilityRequest, user *UserRecord, authoritative bool, epoch uint64, seen *[]SeenRow) (res Result, err error) {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	if err := e.sameHistory(position{epoch: epoch}); err != nil {
		return Result{}, err
	}
	s, err := e.newSubject(user, req.TeamID, req.EntityID)
	if err != nil {
		return Result{}, err
	}
	if seen != nil {
		defer func() { *seen = append(*seen, e.decisionRows(s, res.Decisions)...) }()
	}
	res = Result{Decisions: make([]Decision, len(req.Permissions)), Revision: user.Revision, Authoritative: authoritative}
	for i, p := range req.Permissions {
		d := &res.Decisions[i]
		d.Permission = p
		perm, ok := e.catalog.Permissions[p]
		switch {
		case !ok:
			d.Reason = Reason{Kind: ReasonError, RuleIndex: -1, Message: "unknown permission " + p}
		case !e.catalog.Applies(p, s.entity.Type):
			d.Reason = Reason{Kind: ReasonError, RuleIndex: -1, Message: fmt.Sprintf(
				"permission %s does not apply to %s entities (it applies to %s)", p, s.entity.Type, strings.Join(perm.AppliesTo, ", "))}
		default:
			rules := permissionPolicy(p)
			var decided bool
			if d.Allowed, d.Reason, decided = e.decide(rules[:], s); !decided {
				d.Reason = defaultDeny(describePermissionPolicy(p), s)
			}
		}
	}
	return res, nil
}

// CheckPolicy answers whether a user may do a named action, by running the
// action's policy. An unknown action is an error.
func (e *Engine) CheckPolicy(ctx context.Context, req PolicyRequest) (Result, error) {
	if err := req.Validate(); err != nil {
		return Result{}, err
	}
	pol, ok := e.catalog.Policies[req.Action]
	if !ok {
		return Result{}, fmt.Errorf("%w: unknown action %q", ErrNotFound, req.Action)
	}
	for attempt := 1; ; attempt++ {
		user, authoritative, epoch, err := e.loadUser(ctx, req.UserID, req.Consistency)
		if err == nil {
			var res Result
			res, err = e.decidePolicy(req, pol, user, authoritative, epoch)
			if err == nil {
				return res, nil
			}
		}
		if !errors.Is(err, errHistoryChanged) || attempt == historyAttempts {
			return Result{}, err
		}
	}
}

// decidePolicy answers a validated policy request for a loaded user.
func (e *Engine) decidePolicy(req PolicyRequest, pol Policy, user *UserRecord, authoritative bool, epoch uint64) (Result, error) {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	if err := e.sameHistory(position{epoch: epoch}); err != nil {
		return Result{}, err
	}
	s, err := e.newSubject(user, req.TeamID, req.EntityID)
	if err != nil {
		return Result{}, err
	}
	d := Decision{Action: req.Action}
	if pol.EntityType != "" && s.entity.Type != pol.EntityType {
		d.Reason = Reason{Kind: ReasonError, RuleIndex: -1, Message: fmt.Sprintf(
			"action %s applies to %s entities, %s is a %s", req.Action, pol.EntityType, s.entity.ID, s.entity.Type)}
	} else {
		d.Allowed, d.Reason = e.evaluate(pol.Rules, s)
	}
	return Result{Decisions: []Decision{d}, Revision: user.Revision, Authoritative: authoritative}, nil
}

// decisionRows returns the rows decisions on s rested on: the acting
// user's version (their assignments and account types), every entity from
// the one checked up to its root (their places in the tree decide which
// assignments cover it), and the custom roles whose assignments allowed
// (what they grant, and their scope). e.refMu is held.
func (e *Engine) decisionRows(s *subject, decisions []Decision) []SeenRow {
	rows := make([]SeenRow, 0, 1+s.depth)
	rows = append(rows, SeenRow{Kind: RowUser, ID: s.user.UserID, Revision: s.user.Version})
	for _, id := range s.chain[:s.depth] {
		rows = append(rows, SeenRow{Kind: RowEntity, ID: id, Revision: e.ref.EntityRevisions[id], Parent: e.ref.Entities[id].ParentID})
	}
	for _, d := range decisions {
		if g := d.Reason.Grant; g != nil {
			if r, ok := e.ref.Roles[g.Role]; ok {
				rows = append(rows, SeenRow{Kind: RowRole, ID: r.Name, Revision: e.ref.RoleRevisions[r.Name], Parent: r.Scope})
			}
		}
	}
	return rows
}
