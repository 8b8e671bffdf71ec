package rolesdiff

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is everything a comparison of two roles files says: what the
// files declare differently, how policies decide differently, and, when
// an organisation was read, who gains and loses what in it.
type Report struct {
	Old       string            `json:"old"`
	New       string            `json:"new"`
	Catalog   *CatalogDiff      `json:"catalog"`
	Decisions []PolicyDecisions `json:"decisions"`
	// Database names the organisation Impact was computed on ("" for
	// none, and then Impact is nil).
	Database string  `json:"database,omitempty"`
	Impact   *Impact `json:"impact,omitempty"`
}

// Changed reports whether anything differs: a declaration, a decision, or
// someone's permissions.
func (r *Report) Changed() bool {
	if !r.Catalog.Empty() || r.Impact != nil && len(r.Impact.Changes) > 0 {
		return true
	}
	for _, d := range r.Decisions {
		if d.Changed > 0 {
			return true
		}
	}
	return false
}

// WriteText prints the report for people; limit bounds the users listed
// per permission and direction (0: all of them).
func (r *Report) WriteText(w io.Writer, limit int) error {
	buf := bufio.NewWriter(w)
	p := &printer{w: buf}
	p.f("roles diff %s → %s\n", r.Old, r.New)
	r.writeCatalog(p)
	r.writeDecisions(p)
	if r.Impact != nil {
		r.writeImpact(p, limit)
	}
	if err := buf.Flush(); p.err == nil {
		p.err = err
	}
	return p.err
}

// printer writes and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func list(names []string) string { return strings.Join(names, ", ") }

func (r *Report) writeCatalog(p *printer) {
	d := r.Catalog
	if d.Empty() {
		p.f("\nThe files declare the same entity types, permissions, roles and policies.\n")
		return
	}
	if len(d.EntityTypesAdded)+len(d.EntityTypesRemoved)+len(d.EntityTypesChanged) > 0 {
		p.f("\nEntity types\n")
		for _, n := range d.EntityTypesAdded {
			p.f("  + %s\n", n)
		}
		for _, n := range d.EntityTypesRemoved {
			p.f("  - %s (entities of this type stop being valid)\n", n)
		}
		for _, c := range d.EntityTypesChanged {
			p.f("  ~ %s: parents %s (was %s)\n", c.Name, orNone(c.NewParents), orNone(c.OldParents))
		}
	}
	if len(d.PermissionsAdded)+len(d.PermissionsRemoved)+len(d.PermissionsRenamed)+len(d.PermissionsChanged) > 0 {
		p.f("\nPermissions\n")
		for _, n := range d.PermissionsAdded {
			p.f("  + %s\n", n)
		}
		for _, n := range d.PermissionsRemoved {
			p.f("  - %s (checks of it become errors that deny)\n", n)
		}
		for _, rn := range d.PermissionsRenamed {
			p.f("  %s → %s: renamed (%s); code and checks naming %s must change with it\n", rn.Old, rn.New, rn.Why, rn.Old)
		}
		for _, c := range d.PermissionsChanged {
			if c.OldAppliesTo != nil || c.NewAppliesTo != nil {
				p.f("  ~ %s: applies to %s (was %s)\n", c.Name, list(c.NewAppliesTo), list(c.OldAppliesTo))
			}
			if c.OldDescription != c.NewDescription {
				p.f("  ~ %s: described as %q (was %q)\n", c.Name, c.NewDescription, c.OldDescription)
			}
		}
	}
	if len(d.RolesAdded)+len(d.RolesRemoved)+len(d.RolesRenamed)+len(d.RolesChanged) > 0 {
		p.f("\nRoles\n")
		for _, n := range d.RolesAdded {
			p.f("  + %s\n", n)
		}
		for _, n := range d.RolesRemoved {
			p.f("  - %s (its assignments grant nothing)\n", n)
		}
		for _, rn := range d.RolesRenamed {
			p.f("  %s → %s: renamed (%s); assignments name their role: existing %s assignments grant nothing until made again as %s\n",
				rn.Old, rn.New, rn.Why, rn.Old, rn.New)
		}
		for _, c := range d.RolesChanged {
			var parts []string
			for _, g := range c.Gained {
				parts = append(parts, "+"+g)
			}
			for _, l := range c.Lost {
				parts = append(parts, "-"+l)
			}
			if c.OldDescription != c.NewDescription {
				parts = append(parts, fmt.Sprintf("described as %q (was %q)", c.NewDescription, c.OldDescription))
			}
			if c.OldRequest != c.NewRequest {
				parts = append(parts, fmt.Sprintf("%s (was %s)", c.NewRequest, c.OldRequest))
			}
			p.f("  ~ %s: %s\n", c.Name, strings.Join(parts, " "))
		}
	}
	if len(d.PoliciesAdded)+len(d.PoliciesRemoved)+len(d.PoliciesChanged) > 0 {
		p.f("\nPolicies\n")
		for _, n := range d.PoliciesAdded {
			p.f("  + %s\n", n)
		}
		for _, n := range d.PoliciesRemoved {
			p.f("  - %s (checks of it become errors that deny)\n", n)
		}
		for _, c := range d.PoliciesChanged {
			what := "rules change"
			if c.Reordered {
				what = "rules reordered"
			}
			if c.OldEntityType != c.NewEntityType {
				what = fmt.Sprintf("checked on %s entities (was %s); %s", c.NewEntityType, c.OldEntityType, what)
			}
			p.f("  ~ %s: %s\n      old: %s\n      new: %s\n", c.Action, what, list(c.OldRules), list(c.NewRules))
		}
	}
}

// scopeName is a role's scope, or "none".
func scopeName(id string) string {
	if id == "" {
		return "none"
	}
	return id
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return list(names)
}

func (r *Report) writeDecisions(p *printer) {
	if len(r.Decisions) == 0 {
		return
	}
	p.f("\nDecisions on every account type, preference value, creator or not, and held permission\n")
	var same []string
	for _, d := range r.Decisions {
		switch {
		case d.Skipped != "":
			p.f("  %s: not tried: %s\n", d.Action, d.Skipped)
		case d.Changed == 0:
			same = append(same, d.Action)
		default:
			p.f("  %s: %d of %d cases decide differently\n", d.Action, d.Changed, d.Cases)
			tw := tabwriter.NewWriter(p.w, 2, 4, 2, ' ', 0)
			header := "    "
			for _, dim := range d.Dimensions {
				header += dim.Name + "\t"
			}
			fmt.Fprintln(tw, header+"old\tnew")
			for _, c := range d.Differences {
				fmt.Fprintf(tw, "    %s\t%s\t%s\n", strings.Join(c.Values, "\t"), c.Old, c.New)
			}
			if err := tw.Flush(); err != nil && p.err == nil {
				p.err = err
			}
		}
	}
	if len(same) > 0 {
		p.f("  %s: no case decides differently\n", list(same))
	}
}

func (r *Report) writeImpact(p *printer, limit int) {
	imp := r.Impact
	p.f("\nWho gains and loses what in %s (revision %d; %d assignments read)\n", r.Database, imp.Revision, imp.AssignmentsRead)
	if len(imp.Roles) == 0 {
		p.f("  No role grants anything it did not, or loses anything it did: nobody's permissions change.\n")
		return
	}
	for _, rd := range imp.Roles {
		var parts []string
		for _, g := range rd.Gained {
			parts = append(parts, "+"+g)
		}
		for _, l := range rd.Lost {
			parts = append(parts, "-"+l)
		}
		if rd.OldScope != rd.NewScope {
			parts = append(parts, fmt.Sprintf("scope %s → %s", scopeName(rd.OldScope), scopeName(rd.NewScope)))
		}
		p.f("  role %s: %s (%d assignments)\n", rd.Role, strings.Join(parts, " "), rd.Assignments)
	}
	sums := imp.Summaries()
	if len(sums) == 0 {
		p.f("  Nobody's permissions change: every holder keeps or lacks them through other roles, or is a guest.\n")
	}
	for _, s := range sums {
		verb := "lost"
		if s.Gained {
			verb = "gained"
		}
		p.f("  %s %s by %d users on %d entities\n", s.Permission, verb, s.Users, s.Entities)
		for i, c := range s.Changes {
			if limit > 0 && i == limit {
				p.f("    … and %d more (--limit 0 lists them all)\n", len(s.Changes)-limit)
				break
			}
			p.f("    %s on %s (%s)\n", c.UserID, c.EntityID, c.EntityType)
		}
	}
}
