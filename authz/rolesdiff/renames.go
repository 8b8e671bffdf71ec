package rolesdiff

import (
	"sort"

	"github.com/bastionhq/bastion/authz"
)

// matcher says why an old name and a new one look like the same thing, or
// "" when they do not.
type matcher func(old, new string) string

// pairRenames pairs removed and added names that a matcher matches one to
// one: a removed name matching several added ones (or the other way round)
// is left alone, since guessing would be worse than saying removed and
// added. Matchers run in order, each on what the earlier ones left. It
// returns the renames and the names left unpaired.
func pairRenames(removed, added []string, matchers ...matcher) (renames []Rename, leftAdded, leftRemoved []string) {
	paired := map[string]bool{}
	for _, match := range matchers {
		why := map[[2]string]string{}
		oldHits, newHits := map[string]int{}, map[string]int{}
		for _, o := range removed {
			for _, n := range added {
				if paired[o] || paired[n] {
					continue
				}
				if w := match(o, n); w != "" {
					why[[2]string{o, n}] = w
					oldHits[o]++
					newHits[n]++
				}
			}
		}
		for pair, w := range why {
			if oldHits[pair[0]] == 1 && newHits[pair[1]] == 1 {
				renames = append(renames, Rename{Old: pair[0], New: pair[1], Why: w})
				paired[pair[0]], paired[pair[1]] = true, true
			}
		}
	}
	sort.Slice(renames, func(i, j int) bool { return renames[i].Old < renames[j].Old })
	for _, n := range added {
		if !paired[n] {
			leftAdded = append(leftAdded, n)
		}
	}
	for _, o := range removed {
		if !paired[o] {
			leftRemoved = append(leftRemoved, o)
		}
	}
	return renames, leftAdded, leftRemoved
}

// permissionRenames pairs removed and added permissions with the same
// description, then those that apply to the same entity types and are
// granted by the same roles.
func permissionRenames(old, new *authz.Catalog, added, removed []string) ([]Rename, []string, []string) {
	sameDescription := func(o, n string) string {
		if d := old.Permissions[o].Description; d != "" && d == new.Permissions[n].Description {
			return "same description"
		}
		return ""
	}
	sameGrants := func(o, n string) string {
		by := grantingRoles(old, o)
		if len(by) > 0 && sameSet(by, grantingRoles(new, n)) && sameSet(old.Permissions[o].AppliesTo, new.Permissions[n].AppliesTo) {
			return "granted by the same roles, on the same entity types"
		}
		return ""
	}
	return pairRenames(removed, added, sameDescription, sameGrants)
}

// roleRenames pairs removed and added system roles that grant the same
// permissions (a renamed permission counting as the same), then those with
// the same description.
func roleRenames(old, new *authz.Catalog, permRenames []Rename, added, removed []string) ([]Rename, []string, []string) {
	permOld := permissionRenameMap(permRenames)
	samePermissions := func(o, n string) string {
		was := mapNames(old.Roles[o].Permissions, permOld)
		if len(was) > 0 && sameSet(was, new.Roles[n].Permissions) {
			return "same permissions"
		}
		return ""
	}
	sameDescription := func(o, n string) string {
		if d := old.Roles[o].Description; d != "" && d == new.Roles[n].Description {
			return "same description"
		}
		return ""
	}
	return pairRenames(removed, added, samePermissions, sameDescription)
}

// grantingRoles lists the system roles of c that grant permission p.
func grantingRoles(c *authz.Catalog, p string) []string {
	var out []string
	for _, name := range c.RoleNames() {
		r := c.Roles[name]
		if r.Grants(p) {
			out = append(out, name)
		}
	}
	return out
}
