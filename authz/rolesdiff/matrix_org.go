package rolesdiff

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolestest"
)

// site is where one case is checked: a team and an entity of the policy's
// type in it (the team itself for a workspace policy).
type site struct{ team, entity string }

// layout is the part of a scratch organisation that one plan checks in.
type layout struct {
	p *plan
	// prefDims, creatorDim and holdDims locate the dimensions (-1: none).
	prefDims   []int
	creatorDim int
	holdDims   []int
	sites      map[[2]int]site // by preference combination and creator (0: nobody, else user number + 1)
}

// user names the scratch user of an account type and held-permissions mask.
func (l *layout) user(account, holds int) string {
	return fmt.Sprintf("U%d_A%d_H%d", l.p.index, account, holds)
}

// evaluate builds, on a scratch store checking against cat, an
// organisation with a site and a user for every case of the plans, and
// returns the verdict of every case, by plan and case number.
func evaluate(ctx context.Context, cat *authz.Catalog, plans []*plan, dir string) ([][]Verdict, error) {
	cat, roleFor := withHoldingRoles(cat, plans)
	sc, err := rolestest.OpenScratch(ctx, cat, dir)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	var batch authz.Import
	prefs := map[string]map[string]string{}
	layouts := make([]*layout, len(plans))
	for i, p := range plans {
		layouts[i] = lay(cat, p, roleFor, &batch, prefs)
	}
	if _, err := sc.Engine.Import(ctx, batch, "roles-diff"); err != nil {
		return nil, fmt.Errorf("build the matrix: %w", err)
	}
	for _, team := range sortedKeys(prefs) {
		if _, err := sc.Engine.SetTeamPrefs(ctx, team, prefs[team], "roles-diff"); err != nil {
			return nil, fmt.Errorf("build the matrix: %w", err)
		}
	}
	out := make([][]Verdict, len(plans))
	for i, l := range layouts {
		out[i] = make([]Verdict, l.p.cases())
		for c := range out[i] {
			at := l.p.vector(c)
			account, holds := at[0], 0
			for bit, d := range l.holdDims {
				if at[d] == 1 {
					holds |= 1 << bit
				}
			}
			s := l.siteOf(at, account, holds)
			res, err := sc.Engine.CheckPolicy(ctx, authz.PolicyRequest{Action: l.p.action, TeamID: s.team, UserID: l.user(account, holds), EntityID: s.entity})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", l.p.action, err)
			}
			d := res.Decisions[0]
			out[i][c] = Verdict{Allowed: d.Allowed, Rule: rolestest.ReasonName(d.Reason)}
		}
	}
	return out, nil
}

// siteOf returns the site of a case.
func (l *layout) siteOf(at []int, account, holds int) site {
	combo := 0
	for _, d := range l.prefDims {
		combo = combo*len(preferenceValues) + at[d]
	}
	creator := 0
	if l.creatorDim >= 0 && at[l.creatorDim] == 1 {
		creator = 1 + (account<<len(l.holdDims) | holds)
	}
	return l.sites[[2]int{combo, creator}]
}

// lay adds to batch and prefs the sites, users, accounts and assignments
// of plan p.
func lay(cat *authz.Catalog, p *plan, roleFor map[[2]int]string, batch *authz.Import, prefs map[string]map[string]string) *layout {
	l := &layout{p: p, creatorDim: -1, sites: map[[2]int]site{}}
	var prefNames []string
	for d, dim := range p.dims {
		switch {
		case d == 0:
		case dim.Name == dimCreator:
			l.creatorDim = d
		case strings.HasPrefix(dim.Name, holdsPrefix):
			l.holdDims = append(l.holdDims, d)
		default:
			l.prefDims = append(l.prefDims, d)
			prefNames = append(prefNames, dim.Name)
		}
	}
	users := len(accountValues) << len(l.holdDims)
	creators := 1
	if l.creatorDim >= 0 {
		creators += users
	}
	entityType := cat.Policies[p.action].EntityType
	chain := pathToWorkspace(cat, entityType)
	combos := 1
	for range l.prefDims {
		combos *= len(preferenceValues)
	}
	var teams []string
	for combo := range combos {
		for creator := range creators {
			creatorID := ""
			if creator > 0 {
				n := creator - 1
				creatorID = l.user(n>>len(l.holdDims), n&(1<<len(l.holdDims)-1))
			}
			s := l.addSite(batch, entityType, chain, combo, creator, creatorID)
			if len(teams) == 0 || teams[len(teams)-1] != s.team {
				teams = append(teams, s.team)
				if set := comboPrefs(prefNames, combo); len(set) > 0 {
					prefs[s.team] = set
				}
			}
			l.sites[[2]int{combo, creator}] = s
		}
	}
	for _, team := range teams {
		for n := range users {
			account, holds := n>>len(l.holdDims), n&(1<<len(l.holdDims)-1)
			if account > 0 {
				batch.AccountTypes = append(batch.AccountTypes, authz.ImportedAccount{TeamID: team, UserID: l.user(account, holds), Type: authz.AccountType(account)})
			}
		}
	}
	for _, s := range l.sites {
		for n := range users {
			account, holds := n>>len(l.holdDims), n&(1<<len(l.holdDims)-1)
			if role := roleFor[[2]int{p.index, holds}]; role != "" {
				batch.Assignments = append(batch.Assignments, authz.Assignment{UserID: l.user(account, holds), Role: role, EntityID: s.entity, GrantedBy: "roles-diff"})
			}
		}
	}
	return l
}

// addSite adds the entities of one site: the team, and below it a chain
// of entities down to one of the policy's type (or a root of that type
// when no chain of declared parents leads to a workspace).
func (l *layout) addSite(batch *authz.Import, entityType string, chain []string, combo, creator int, creatorID string) site {
	if entityType == authz.TypeWorkspace {
		team := fmt.Sprintf("T%d_%d_%d", l.p.index, combo, creator)
		batch.Entities = append(batch.Entities, authz.Entity{ID: team, Type: authz.TypeWorkspace, CreatorID: creatorID})
		return site{team: team, entity: team}
	}
	team := fmt.Sprintf("T%d_%d", l.p.index, combo)
	if creator == 0 {
		batch.Entities = append(batch.Entities, authz.Entity{ID: team, Type: authz.TypeWorkspace})
	}
	parent := ""
	if chain != nil {
		parent = team
		for i, t := range chain {
			id := fmt.Sprintf("X%d_%d_%d_%d", l.p.index, combo, creator, i)
			batch.Entities = append(batch.Entities, authz.Entity{ID: id, Type: t, ParentID: parent})
			parent = id
		}
	}
	id := fmt.Sprintf("S%d_%d_%d", l.p.index, combo, creator)
	batch.Entities = append(batch.Entities, authz.Entity{ID: id, Type: entityType, ParentID: parent, CreatorID: creatorID})
	return site{team: team, entity: id}
}

// comboPrefs returns the preferences a combination sets (a default value
// is left unset).
func comboPrefs(names []string, combo int) map[string]string {
	set := map[string]string{}
	for i := len(names) - 1; i >= 0; i-- {
		if v := combo % len(preferenceValues); v > 0 {
			set[names[i]] = preferenceValues[v]
		}
		combo /= len(preferenceValues)
	}
	return set
}

// pathToWorkspace returns the entity types between a workspace and an
// entity of type t, top first, so that t can lie in a team: nil when t
// cannot, an empty list when a workspace may be its parent.
func pathToWorkspace(cat *authz.Catalog, t string) []string {
	prev := map[string]string{t: ""}
	queue := []string{t}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, parent := range cat.EntityTypes[cur].Parents {
			if _, seen := prev[parent]; seen {
				continue
			}
			prev[parent] = cur
			if parent == authz.TypeWorkspace {
				chain := []string{}
				for c := cur; c != t; c = prev[c] {
					chain = append(chain, c)
				}
				return chain
			}
			queue = append(queue, parent)
		}
	}
	return nil
}

// withHoldingRoles returns a copy of cat with a system role for every
// combination of permissions a plan's users hold (those cat declares),
// and the role of each plan and mask ("" when the mask holds nothing cat
// declares). Roles only matter through assignments, so the added ones
// change no decision of anyone else.
func withHoldingRoles(cat *authz.Catalog, plans []*plan) (*authz.Catalog, map[[2]int]string) {
	c := *cat
	c.Roles = maps.Clone(cat.Roles)
	roleFor := map[[2]int]string{}
	for _, p := range plans {
		var perms []string
		for _, d := range p.dims {
			if strings.HasPrefix(d.Name, holdsPrefix) {
				perms = append(perms, strings.TrimPrefix(d.Name, holdsPrefix))
			}
		}
		for mask := 1; mask < 1<<len(perms); mask++ {
			r := authz.Role{Name: unusedRoleName(&c, fmt.Sprintf("MATRIX_%d_%d", p.index, mask)), System: true}
			for bit, perm := range perms {
				if _, declared := cat.Permissions[perm]; declared && mask&(1<<bit) != 0 {
					r.Permissions = append(r.Permissions, perm)
				}
			}
			if len(r.Permissions) > 0 {
				c.Roles[r.Name] = r
				roleFor[[2]int{p.index, mask}] = r.Name
			}
		}
	}
	return &c, roleFor
}

func unusedRoleName(c *authz.Catalog, name string) string {
	for {
		if _, taken := c.Roles[name]; !taken {
			return name
		}
		name += "_X"
	}
}
