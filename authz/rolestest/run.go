package rolestest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

// Options tune Run. The zero value is usable.
type Options struct {
	// Dir is where the scratch store's folder is made (default: the
	// system's temporary folder).
	Dir string
}

// Result is the outcome of one expectation.
type Result struct {
	Expectation
	// Passed is whether the engine answered as expected; Got says what it
	// answered when it did not.
	Passed bool
	Got    string
}

// Report is the outcome of a suite, one result per expectation in file
// order.
type Report struct {
	File    string
	Results []Result
}

// Failed returns the results that did not hold.
func (r *Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.Passed {
			out = append(out, res)
		}
	}
	return out
}

// Run checks every expectation of the suite against the roles file cat,
// on a scratch store holding the suite's organisation. A suite that does
// not fit the roles file, or an organisation the engine refuses, is a
// rolesfile.Errors naming the lines; an expectation that does not hold is
// a failed Result, not an error.
func Run(ctx context.Context, cat *authz.Catalog, s *Suite, opts Options) (*Report, error) {
	if err := s.Validate(cat); err != nil {
		return nil, err
	}
	sc, err := OpenScratch(ctx, cat, opts.Dir)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	if err := Build(ctx, sc.Engine, s.Org); err != nil {
		var be *BuildError
		if errors.As(err, &be) {
			return nil, rolesfile.Errors{lineError(s.File, s.Line(be.Section, be.Index), "%v", be.Err)}
		}
		return nil, err
	}
	rep := &Report{File: s.File, Results: make([]Result, 0, len(s.Expectations))}
	for _, x := range s.Expectations {
		res, err := answer(ctx, sc.Engine, x)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", s.File, x.Line, err)
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func lineError(file string, line int, format string, args ...any) rolesfile.LineError {
	return rolesfile.LineError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// answer asks the engine what x expects.
func answer(ctx context.Context, e *authz.Engine, x Expectation) (Result, error) {
	switch x.Kind {
	case KindPermission:
		res, err := e.Check(ctx, authz.EligibilityRequest{TeamID: x.TeamID, UserID: x.UserID, EntityID: x.EntityID, Permissions: []string{x.Permission}})
		if err != nil {
			return Result{}, err
		}
		return judgeDecision(x, res.Decisions[0]), nil
	case KindAction:
		res, err := e.CheckPolicy(ctx, authz.PolicyRequest{Action: x.Action, TeamID: x.TeamID, UserID: x.UserID, EntityID: x.EntityID})
		if err != nil {
			return Result{}, err
		}
		return judgeDecision(x, res.Decisions[0]), nil
	case KindWhoCan:
		users, _, err := e.LookupUsers(ctx, x.TeamID, x.EntityID, x.Permission)
		if err != nil {
			return Result{}, err
		}
		return judgeUsers(x, users), nil
	case KindPermissionsOf:
		up, err := e.ListUserPermissions(ctx, x.TeamID, x.UserID)
		if err != nil {
			return Result{}, err
		}
		got := map[string][]string{}
		for _, ep := range up.Entities {
			got[ep.EntityID] = ep.Permissions
		}
		return judgeEntities(x, got), nil
	}
	return Result{}, fmt.Errorf("unknown kind of test %q", x.Kind)
}

// ReasonName is how a test file names what decided: a rule kind,
// RuleDefaultDeny or RuleError.
func ReasonName(r authz.Reason) string {
	switch r.Kind {
	case authz.ReasonRule:
		return string(r.Rule)
	case authz.ReasonDefault:
		return RuleDefaultDeny
	}
	return RuleError
}

func judgeDecision(x Expectation, d authz.Decision) Result {
	res := Result{Expectation: x, Passed: d.Allowed == x.Allow}
	if x.Rule != "" && ReasonName(d.Reason) != x.Rule {
		res.Passed = false
	}
	if d.Allowed && (x.Role != "" || x.AssignedOn != "") {
		g := d.Reason.Grant
		if g == nil || x.Role != "" && g.Role != x.Role || x.AssignedOn != "" && g.EntityID != x.AssignedOn {
			res.Passed = false
		}
	}
	if !res.Passed {
		verdict := "deny"
		if d.Allowed {
			verdict = "allow"
		}
		res.Got = fmt.Sprintf("%s by %s: %s", verdict, ReasonName(d.Reason), d.Reason.Message)
	}
	return res
}

func judgeUsers(x Expectation, got []string) Result {
	want := slices.Clone(x.Users)
	slices.Sort(want)
	want = slices.Compact(want)
	res := Result{Expectation: x, Passed: slices.Equal(want, got)}
	if !res.Passed {
		missing, extra := setDiff(want, got), setDiff(got, want)
		res.Got = "got [" + strings.Join(got, ", ") + "]" + describeSets(missing, extra, "missing", "not expected")
	}
	return res
}

func judgeEntities(x Expectation, got map[string][]string) Result {
	res := Result{Expectation: x, Passed: true}
	var diffs []string
	for _, ent := range sortedKeys(merge(x.Entities, got)) {
		want := slices.Compact(slices.Clone(x.Entities[ent]))
		if have := got[ent]; !slices.Equal(want, have) {
			res.Passed = false
			diffs = append(diffs, fmt.Sprintf("on %s got [%s]%s", ent, strings.Join(have, ", "),
				describeSets(setDiff(want, have), setDiff(have, want), "missing", "not expected")))
		}
	}
	res.Got = strings.Join(diffs, "; ")
	return res
}

func merge(a, b map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// setDiff returns the items of sorted a that sorted b lacks.
func setDiff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, found := slices.BinarySearch(b, s); !found {
			out = append(out, s)
		}
	}
	return out
}

func describeSets(missing, extra []string, missingWord, extraWord string) string {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, missingWord+" "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, extraWord+" "+strings.Join(extra, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}
