package rolesdiff

import (
	"context"
	"fmt"
	"slices"

	"github.com/bastionhq/bastion/authz"
)

// DefaultMaxCases bounds the situations tried per policy (Options.MaxCases).
const DefaultMaxCases = 20_000

// Options tune Decisions. The zero value is usable.
type Options struct {
	// Dir is where scratch stores are made (default: the system's
	// temporary folder).
	Dir string
	// MaxCases bounds the matrix of one policy; a larger one is skipped
	// and says so (default DefaultMaxCases).
	MaxCases int
}

// PolicyDecisions is how one policy, declared in both files, decides
// under each on its matrix: every account type, every value of each team
// preference its rules read, creator or not (when a rule looks at the
// creator), and holding or not each permission its rules look for.
type PolicyDecisions struct {
	Action     string      `json:"action"`
	Dimensions []Dimension `json:"dimensions"`
	// Cases is how many situations were tried, Changed how many decide
	// differently; Differences are those, merged where a dimension does not
	// matter.
	Cases       int    `json:"cases"`
	Changed     int    `json:"changed"`
	Differences []Case `json:"differences,omitempty"`
	// Skipped says why the policy was not tried, when it was not.
	Skipped string `json:"skipped,omitempty"`
}

// Values of the dimensions.
var (
	accountValues    = []string{"none", "ultra_restricted", "restricted", "member", "admin", "owner", "primary_owner"}
	preferenceValues = []string{"(default)", "member", "admin", "owner", "primary_owner", "nobody"}
	yesNo            = []string{"no", "yes"}
)

// Names of the fixed dimensions.
const (
	dimAccount  = "account type"
	dimCreator  = "creator"
	holdsPrefix = "holds "
)

// Decisions tries every policy declared in both files on its matrix with
// the engine, once per file, and returns each policy's differences in
// action order.
func Decisions(ctx context.Context, old, new *authz.Catalog, opts Options) ([]PolicyDecisions, error) {
	if opts.MaxCases <= 0 {
		opts.MaxCases = DefaultMaxCases
	}
	var out []PolicyDecisions
	var plans []*plan
	for _, action := range old.ActionNames() {
		n, ok := new.Policies[action]
		if !ok {
			continue
		}
		o := old.Policies[action]
		pd := PolicyDecisions{Action: action, Dimensions: dimensions(o, n)}
		pd.Cases = 1
		for _, d := range pd.Dimensions {
			pd.Cases *= len(d.Values)
			if pd.Cases > opts.MaxCases {
				break
			}
		}
		switch {
		case pd.Cases > opts.MaxCases:
			pd.Skipped = fmt.Sprintf("its rules read too many preferences and permissions: more than %d cases", opts.MaxCases)
		case !hasWorkspace(old) || !hasWorkspace(new):
			pd.Skipped = "a roles file declares no workspace entity type, so no check can run"
		default:
			plans = append(plans, &plan{index: len(plans), out: len(out), action: action, dims: pd.Dimensions})
		}
		out = append(out, pd)
	}
	if len(plans) == 0 {
		return out, nil
	}
	oldVerdicts, err := evaluate(ctx, old, plans, opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("policies under the old roles file: %w", err)
	}
	newVerdicts, err := evaluate(ctx, new, plans, opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("policies under the new roles file: %w", err)
	}
	for i, p := range plans {
		var diff []cell
		for c := range oldVerdicts[i] {
			if o, n := oldVerdicts[i][c], newVerdicts[i][c]; o.Allowed != n.Allowed {
				diff = append(diff, cell{at: p.vector(c), old: o, new: n})
			}
		}
		pd := &out[p.out]
		pd.Changed = len(diff)
		pd.Differences = toCases(pd.Dimensions, merge(pd.Dimensions, diff))
	}
	return out, nil
}

func hasWorkspace(c *authz.Catalog) bool {
	_, ok := c.EntityTypes[authz.TypeWorkspace]
	return ok
}

// dimensions are what the rules of either version of a policy look at.
func dimensions(old, new authz.Policy) []Dimension {
	dims := []Dimension{{Name: dimAccount, Values: accountValues}}
	var prefs, perms []string
	creator := false
	for _, r := range slices.Concat(old.Rules, new.Rules) {
		switch r.Kind {
		case authz.RuleAllowIfLegacy:
			if r.Preference != "" && !slices.Contains(prefs, r.Preference) {
				prefs = append(prefs, r.Preference)
			}
		case authz.RuleAllowIfCreator:
			creator = true
		case authz.RuleAllowIfHasPermission:
			if !slices.Contains(perms, r.Permission) {
				perms = append(perms, r.Permission)
			}
		}
	}
	slices.Sort(prefs)
	slices.Sort(perms)
	for _, p := range prefs {
		dims = append(dims, Dimension{Name: p, Values: preferenceValues})
	}
	if creator {
		dims = append(dims, Dimension{Name: dimCreator, Values: yesNo})
	}
	for _, p := range perms {
		dims = append(dims, Dimension{Name: holdsPrefix + p, Values: yesNo})
	}
	return dims
}

// plan is one policy's matrix.
type plan struct {
	index, out int // among plans, and among Decisions' results
	action     string
	dims       []Dimension
}

// cases is the size of the matrix.
func (p *plan) cases() int {
	n := 1
	for _, d := range p.dims {
		n *= len(d.Values)
	}
	return n
}

// vector turns a case number into a value index per dimension (the last
// dimension varying fastest).
func (p *plan) vector(c int) []int {
	at := make([]int, len(p.dims))
	for d := len(p.dims) - 1; d >= 0; d-- {
		at[d] = c % len(p.dims[d].Values)
		c /= len(p.dims[d].Values)
	}
	return at
}
