package rolestest

import (
	"sort"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

// Validate checks the suite against a roles file: every permission,
// action and role its tests name must be declared (a custom role of the
// organisation counts). It returns rolesfile.Errors naming the lines, or
// nil. What the engine refuses in the organisation itself (an unknown
// entity type, a parent of the wrong type, a custom role outside its
// scope) is reported by Run, also with its line.
func (s *Suite) Validate(cat *authz.Catalog) error {
	var errs rolesfile.Errors
	seen := map[rolesfile.LineError]bool{}
	bad := func(line int, format string, args ...any) {
		if e := lineError(s.File, line, format, args...); !seen[e] {
			seen[e] = true
			errs = append(errs, e)
		}
	}
	custom := map[string]bool{}
	for _, r := range s.Org.CustomRoles {
		custom[r.Name] = true
	}
	for _, x := range s.Expectations {
		if x.Permission != "" {
			if _, ok := cat.Permissions[x.Permission]; !ok {
				bad(x.testLine, "unknown permission %s: the roles file does not declare it", x.Permission)
			}
		}
		if x.Action != "" {
			if _, ok := cat.Policies[x.Action]; !ok {
				bad(x.testLine, "unknown action %s: the roles file has no such policy", x.Action)
			}
		}
		if _, system := cat.Roles[x.Role]; x.Role != "" && !system && !custom[x.Role] {
			bad(x.Line, "unknown role %s: neither the roles file nor custom_roles declares it", x.Role)
		}
		for _, ent := range sortedKeys(x.Entities) {
			for _, p := range x.Entities[ent] {
				if _, ok := cat.Permissions[p]; !ok {
					bad(x.Line, "unknown permission %s (on %s): the roles file does not declare it", p, ent)
				}
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
