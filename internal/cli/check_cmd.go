package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
)

// checkLine is one request of `bastion check --batch`: an eligibility
// request, or a policy request when Action is set.
type checkLine struct {
	TeamID      string   `json:"team_id"`
	UserID      string   `json:"user_id"`
	EntityID    string   `json:"entity_id"`
	Permissions []string `json:"permissions,omitempty"`
	Action      string   `json:"action,omitempty"`
}

// checkOutput is one answer of `bastion check --json` and `--batch`.
type checkOutput struct {
	Allowed       bool             `json:"allowed"`
	Decisions     []authz.Decision `json:"decisions,omitempty"`
	Revision      authz.Revision   `json:"revision,omitempty"`
	Authoritative bool             `json:"authoritative,omitempty"`
	Error         string           `json:"error,omitempty"`
}

func run(ctx context.Context, e *authz.Engine, l checkLine, c authz.Consistency) (authz.Result, error) {
	if l.Action != "" {
		if len(l.Permissions) > 0 {
			return authz.Result{}, fmt.Errorf("%w: give permissions or an action, not both", authz.ErrInvalidRequest)
		}
		return e.CheckPolicy(ctx, authz.PolicyRequest{Action: l.Action, TeamID: l.TeamID, UserID: l.UserID, EntityID: l.EntityID, Consistency: c})
	}
	return e.Check(ctx, authz.EligibilityRequest{TeamID: l.TeamID, UserID: l.UserID, EntityID: l.EntityID, Permissions: l.Permissions, Consistency: c})
}

func output(res authz.Result, err error) checkOutput {
	if err != nil {
		return checkOutput{Error: err.Error()}
	}
	out := checkOutput{Allowed: res.Allowed(), Decisions: res.Decisions, Revision: res.Revision, Authoritative: res.Authoritative}
	for _, d := range res.Decisions {
		if d.Reason.Kind == authz.ReasonError {
			out.Error = d.Reason.Message
		}
	}
	return out
}

func newCheckCmd(a *cli) *cobra.Command {
	var l checkLine
	var explain, asJSON, cached bool
	var batch string
	var atLeast int64
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Ask whether a user may do permissions (or an action) on an entity",
		Long: `Ask whether a user of a team may do permissions, or a policy action, on an entity.
Exit status: 0 allowed, 1 denied, 2 error (bad input, unknown permission, entity or team).
With --batch FILE (or - for standard input) it reads JSON lines such as
  {"team_id":"T1","user_id":"U1","entity_id":"C1","permissions":["ARCHIVE_CHANNEL"]}
  {"team_id":"T1","user_id":"U1","entity_id":"C1","action":"channel.archive"}
and writes one JSON answer per line, in order.`,
		Example: "  bastion check --team T1 --user UCHANADMIN --entity C1 --permission ARCHIVE_CHANNEL --explain\n" +
			"  bastion check --team T1 --user UMEMBER --entity C1 --action channel.archive --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := authz.Consistency{AtLeastRevision: authz.Revision(atLeast)}
			if cached {
				c.Mode = authz.BoundedStaleness
			}
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				if batch != "" {
					return a.checkBatch(cmd.Context(), e, batch, c)
				}
				out := output(run(cmd.Context(), e, l, c))
				if asJSON {
					if err := json.NewEncoder(a.stdout).Encode(out); err != nil {
						return err
					}
				} else {
					a.printDecisions(out, explain)
				}
				switch {
				case out.Error != "":
					return exitError{code: 2}
				case !out.Allowed:
					return exitError{code: 1}
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&l.TeamID, "team", "", "the actor's team (workspace) id")
	f.StringVar(&l.UserID, "user", "", "the actor's user id")
	f.StringVar(&l.EntityID, "entity", "", "the entity acted on")
	f.StringSliceVar(&l.Permissions, "permission", nil, "permission to check (repeat or comma-separate for several)")
	f.StringVar(&l.Action, "action", "", "policy action to check instead of permissions, e.g. channel.archive")
	f.BoolVar(&explain, "explain", false, "say which rule decided and which assignment granted it")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	f.StringVar(&batch, "batch", "", "read JSON-lines requests from FILE (- for standard input)")
	f.BoolVar(&cached, "cached", false, "allow an answer up to 1 s stale (non-authoritative)")
	f.Int64Var(&atLeast, "at-least-revision", 0, "answer at no older revision than this")
	return reads(cmd)
}

func (a *cli) printDecisions(out checkOutput, explain bool) {
	if len(out.Decisions) == 0 {
		fmt.Fprintf(a.stdout, "DENY (error: %s)\n", out.Error)
		return
	}
	for _, d := range out.Decisions {
		verdict := "DENY"
		if d.Allowed {
			verdict = "ALLOW"
		}
		what := d.Permission + d.Action
		if !explain {
			fmt.Fprintf(a.stdout, "%s %s\n", verdict, what)
			continue
		}
		rule := string(d.Reason.Kind)
		if d.Reason.Rule != "" {
			rule = fmt.Sprintf("rule %d %s", d.Reason.RuleIndex+1, d.Reason.Rule)
		}
		fmt.Fprintf(a.stdout, "%s %s: %s (%s)\n", verdict, what, d.Reason.Message, rule)
	}
	if explain {
		kind := "authoritative"
		if !out.Authoritative {
			kind = "cached"
		}
		fmt.Fprintf(a.stdout, "decided at revision %d (%s)\n", out.Revision, kind)
	}
}

// checkBatch answers JSON-lines requests in order. It exits 2 when a line
// could not be answered (bad JSON, unknown names), and 0 otherwise, whatever
// the decisions.
func (a *cli) checkBatch(ctx context.Context, e *authz.Engine, path string, c authz.Consistency) error {
	var in io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("open batch: %w", err)
		}
		defer f.Close()
		in = f
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(a.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	failed := 0
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var l checkLine
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var out checkOutput
		if err := dec.Decode(&l); err != nil {
			out = checkOutput{Error: fmt.Sprintf("line %d: %v", n, err)}
		} else {
			out = output(run(ctx, e, l, c))
		}
		if out.Error != "" {
			failed++
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("read batch: a line is longer than 1 MiB")
		}
		return fmt.Errorf("read batch: %w", err)
	}
	if failed > 0 {
		w.Flush()
		return exitError{code: 2, msg: fmt.Sprintf("%d batch line(s) could not be answered", failed)}
	}
	return nil
}
