package client

import (
	"github.com/bastionhq/bastion/authz"
)

// maxDepth bounds a walk up the entity tree.
const maxDepth = 32

// answer decides req from the user's permissions, as the server's
// permission policy does (guests and non-members are denied, then a role
// assignment on the entity or an ancestor allows). ok is false when memory
// does not hold what the answer needs.
func (c *Cached) answer(p *authz.UserPermissions, req authz.EligibilityRequest) (authz.Result, bool) {
	ents := c.entities.Load()
	if ents == nil || len(req.Permissions) == 0 || len(req.Permissions) > authz.MaxPermissionsPerCheck {
		return authz.Result{}, false
	}
	ent, ok := (*ents)[req.EntityID]
	if !ok {
		c.refreshEntitiesInBackground() // a new entity: learn it for next time
		return authz.Result{}, false
	}
	res := authz.Result{Decisions: make([]authz.Decision, len(req.Permissions)), Revision: p.Revision}
	for i, perm := range req.Permissions {
		if _, ok := c.applies.Load(perm + "/" + ent.Type); !ok {
			return authz.Result{}, false
		}
		d := &res.Decisions[i]
		d.Permission = perm
		if p.AccountType == authz.AccountNone || p.AccountType.Restricted() {
			d.Reason = authz.Reason{Kind: authz.ReasonRule, Rule: authz.RuleDenyIfActorRestricted, RuleIndex: 0,
				Message: "guests and users without an account in the team are denied"}
			continue
		}
		if g, ok := grantFor(p, *ents, ent.ID, perm); ok {
			d.Allowed = true
			d.Reason = authz.Reason{Kind: authz.ReasonRule, Rule: authz.RuleAllowIfHasPermission, RuleIndex: 1, Grant: &g,
				Message: "role " + g.Role + " on " + g.EntityID + " grants " + perm}
			continue
		}
		d.Reason = authz.Reason{Kind: authz.ReasonDefault, RuleIndex: -1, Message: "no role assignment grants " + perm}
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

// grantFor finds an assignment on id or an ancestor whose permissions
// include perm.
func grantFor(p *authz.UserPermissions, ents map[string]authz.Entity, id, perm string) (authz.Grant, bool) {
	for d := 0; id != "" && d < maxDepth; d++ {
		for _, ep := range p.Entities {
			if ep.EntityID != id {
				continue
			}
			for _, q := range ep.Permissions {
				if q == perm {
					g := authz.Grant{EntityID: id}
					if len(ep.Grants) > 0 {
						g = ep.Grants[0]
					}
					return g, true
				}
			}
		}
		id = ents[id].ParentID
	}
	return authz.Grant{}, false
}

// learn records from a server answer which permissions apply to which
// entity types: the server reports an inapplicable permission as an error
// reason, anything else means it applies.
func (c *Cached) learn(req authz.EligibilityRequest, res authz.Result) {
	ents := c.entities.Load()
	if ents == nil {
		return
	}
	ent, ok := (*ents)[req.EntityID]
	if !ok {
		return
	}
	for _, d := range res.Decisions {
		if d.Reason.Kind != authz.ReasonError && d.Permission != "" {
			c.applies.Store(d.Permission+"/"+ent.Type, struct{}{})
		}
	}
}
