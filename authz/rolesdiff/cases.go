package rolesdiff

import (
	"fmt"
	"sort"
	"strings"
)

// Any stands for every value of a dimension in a Case.
const Any = "*"

// Dimension is one variable of a policy's matrix and the values it takes.
type Dimension struct {
	// Name is "account type", "creator", a team preference's name, or
	// "holds PERMISSION".
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Verdict is how a policy decided one case: allowed or not, and by which
// rule (a rule kind, "default_deny" or "error").
type Verdict struct {
	Allowed bool   `json:"allowed"`
	Rule    string `json:"rule"`
}

func (v Verdict) String() string {
	if v.Allowed {
		return "allow (" + v.Rule + ")"
	}
	return "deny (" + v.Rule + ")"
}

// Case is a set of situations that decide alike: one value per dimension,
// Any where every value gives the same verdicts.
type Case struct {
	Values []string `json:"values"`
	Old    Verdict  `json:"old"`
	New    Verdict  `json:"new"`
}

// cell is one situation of the matrix: a value index per dimension, -1 for
// Any.
type cell struct {
	at       []int
	old, new Verdict
}

// merge folds cells that differ in one dimension, and cover all its values
// with the same verdicts, into one with Any there; it repeats until nothing
// folds.
func merge(dims []Dimension, cells []cell) []cell {
	for changed := true; changed; {
		changed = false
		for d := range dims {
			groups := map[string][]int{}
			var order []string
			for i, c := range cells {
				if c.at[d] < 0 {
					continue
				}
				key := groupKey(c, d)
				if _, ok := groups[key]; !ok {
					order = append(order, key)
				}
				groups[key] = append(groups[key], i)
			}
			drop := map[int]bool{}
			var folded []cell
			for _, key := range order {
				members := groups[key]
				if len(members) != len(dims[d].Values) {
					continue
				}
				c := cells[members[0]]
				c.at = append([]int(nil), c.at...)
				c.at[d] = -1
				folded = append(folded, c)
				for _, m := range members {
					drop[m] = true
				}
			}
			if len(folded) == 0 {
				continue
			}
			changed = true
			kept := folded
			for i, c := range cells {
				if !drop[i] {
					kept = append(kept, c)
				}
			}
			cells = kept
		}
	}
	sort.Slice(cells, func(i, j int) bool {
		for d := range cells[i].at {
			if cells[i].at[d] != cells[j].at[d] {
				return cells[i].at[d] < cells[j].at[d]
			}
		}
		return false
	})
	return cells
}

// groupKey identifies the cells that differ from c only in dimension d and
// decide as c does.
func groupKey(c cell, d int) string {
	var b strings.Builder
	for i, v := range c.at {
		if i != d {
			fmt.Fprintf(&b, "%d,", v)
		} else {
			b.WriteString("_,")
		}
	}
	fmt.Fprintf(&b, "%v|%v", c.old, c.new)
	return b.String()
}

// toCases names the values of cells.
func toCases(dims []Dimension, cells []cell) []Case {
	out := make([]Case, len(cells))
	for i, c := range cells {
		vals := make([]string, len(dims))
		for d, v := range c.at {
			if v < 0 {
				vals[d] = Any
			} else {
				vals[d] = dims[d].Values[v]
			}
		}
		out[i] = Case{Values: vals, Old: c.old, New: c.new}
	}
	return out
}
