package client

import (
	"time"

	"github.com/bastionhq/bastion/authz"
)

// answer decides req from the user's permissions, as the server's
// permission policy does (guests and non-members are denied, then a role
// assignment on the entity or an ancestor allows). ok is false when memory
// does not hold what the answer needs.
func (c *Cached) answer(idx *userIndex, req authz.EligibilityRequest) (authz.Result, bool) {
	ents := c.entities.Load()
	if ents == nil || len(req.Permissions) == 0 || len(req.Permissions) > authz.MaxPermissionsPerCheck {
		return authz.Result{}, false
	}
	node, ok := (*ents)[req.EntityID]
	if !ok {
		c.refreshEntitiesInBackground() // a new entity: learn it for next time
		return authz.Result{}, false
	}
	if node.tooDeep {
		return authz.Result{}, false // the server says why it cannot answer
	}
	ent := &node.entity
	p := &idx.perms
	res := authz.Result{Decisions: make([]authz.Decision, len(req.Permissions)), Revision: p.Revision}
	for i, perm := range req.Permissions {
		denied, ok := c.applies.denyMessage(perm, ent.Type)
		if !ok {
			return authz.Result{}, false
		}
		d := &res.Decisions[i]
		d.Permission = perm
		if p.AccountType == authz.AccountNone || p.AccountType.Restricted() {
			d.Reason = authz.Reason{Kind: authz.ReasonRule, Rule: authz.RuleDenyIfActorRestricted, RuleIndex: 0,
				Message: "guests and users without an account in the team are denied"}
			continue
		}
		if a := allowanceFor(idx, node.chain, perm); a != nil {
			if !a.deadline.IsZero() && !time.Now().Before(a.deadline) {
				// A grant here may have ended by the server's clock:
				// the server decides until the watch stream says what
				// is left.
				return authz.Result{}, false
			}
			g := a.grant
			d.Allowed = true
			d.Reason = authz.Reason{Kind: authz.ReasonRule, Rule: authz.RuleAllowIfHasPermission, RuleIndex: 1, Grant: &g, Message: a.message}
			continue
		}
		d.Reason = authz.Reason{Kind: authz.ReasonDefault, RuleIndex: -1, Message: denied}
	}
	return res, true
}

// refreshEntitiesInBackground reloads the entity tree unless a reload is
// already running.
func (c *Cached) refreshEntitiesInBackground() {
	if !c.refreshing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.refreshing.Store(false)
		if err := c.refreshEntities(c.ctx); err != nil && c.ctx.Err() == nil {
			c.log.Warn("bastion cache: cannot reload entities", "error", err)
		}
	}()
}

// allowanceFor finds the allowance of perm on the first entity of chain
// (an entity, then its ancestors) that has one; nil when none does.
func allowanceFor(idx *userIndex, chain []string, perm string) *allowance {
	for _, id := range chain {
		if a := idx.byEntity[id][perm]; a != nil {
			return a
		}
	}
	return nil
}

// learn records from a server answer which permissions apply to which
// entity types: the server reports an inapplicable permission as an error
// reason, anything else means it applies.
func (c *Cached) learn(req authz.EligibilityRequest, res authz.Result) {
	ents := c.entities.Load()
	if ents == nil {
		return
	}
	node, ok := (*ents)[req.EntityID]
	if !ok {
		return
	}
	for _, d := range res.Decisions {
		if d.Reason.Kind != authz.ReasonError && d.Permission != "" {
			c.applies.add(d.Permission, node.entity.Type)
		}
	}
}
