package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/namesql"
)

// assignmentCmd builds assign and revoke, which take the same flags.
func assignmentCmd(a *cli, use, short string, do func(e *authz.Engine, cmd *cobra.Command, user, role, entity, actor string) (authz.Revision, error)) *cobra.Command {
	var user, role, entity, actor string
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: "  bastion " + use + " --user U1 --role CHANNELS_ADMIN --entity E1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				rev, err := do(e, cmd, user, role, entity, actor)
				if err == nil {
					a.printRevision(rev)
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "user id")
	cmd.Flags().StringVar(&role, "role", "", "role name")
	cmd.Flags().StringVar(&entity, "entity", "", "entity the role applies to (and everything below it)")
	cmd.Flags().StringVar(&actor, "actor", actorFlagDefault(), "who makes the change, for the audit log")
	for _, f := range []string{"user", "role", "entity"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func newAssignCmd(a *cli) *cobra.Command {
	var dur time.Duration
	var until, reason string
	var allowUnknown bool
	cmd := assignmentCmd(a, "assign", "Give a user a role on an entity, for good or until an end",
		func(e *authz.Engine, cmd *cobra.Command, user, role, entity, actor string) (authz.Revision, error) {
			if !allowUnknown {
				if err := a.knownUser(cmd.Context(), e, user); err != nil {
					return 0, err
				}
			}
			req := authz.AssignRequest{UserID: user, Role: role, EntityID: entity, For: dur, Reason: reason}
			if cmd.Flags().Changed("for") && dur <= 0 {
				return 0, fmt.Errorf("--for %s: give a positive duration, such as 4h or 90m", dur)
			}
			if until != "" {
				t, err := parseUntil(until)
				if err != nil {
					return 0, err
				}
				req.ExpiresAt = t
			}
			return e.AssignRole(cmd.Context(), req, actor)
		})
	cmd.Example += "\n  bastion assign --user U1 --role BACKOFFICE_OPERATOR --entity C2 --for 4h --reason INC-4211\n" +
		"  bastion assign --user U1 --role BACKOFFICE_OPERATOR --entity C2 --until 2026-03-01T18:00:00Z"
	cmd.Flags().DurationVar(&dur, "for", 0, "end the assignment this long from now (4h, 90m); assigning again extends it")
	cmd.Flags().StringVar(&until, "until", "", "end the assignment at this time (RFC 3339, e.g. 2026-03-01T18:00:00Z)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the listing and the audit log")
	cmd.MarkFlagsMutuallyExclusive("for", "until")
	cmd.Flags().BoolVar(&allowUnknown, "allow-unknown-user", false,
		"assign even if the user has no account in any workspace (pre-provisioning someone who has not joined yet)")
	return cmd
}

// parseUntil reads an end time: RFC 3339, with or without fractions.
func parseUntil(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--until %q: want a time such as 2026-03-01T18:00:00Z or 2026-03-01T19:00:00+01:00", s)
	}
	return t, nil
}

// formatEnd shows an assignment's end for a listing: "never", or the
// time and how far off it is (or that it has passed) at now.
func formatEnd(end, now time.Time) string {
	if end.IsZero() {
		return "never"
	}
	at := end.UTC().Format("2006-01-02 15:04:05Z")
	if !end.After(now) {
		return at + " (ended)"
	}
	return at + " (in " + end.Sub(now).Round(time.Second).String() + ")"
}

// knownUser refuses a user with no account in any workspace, naming the
// users of the name directory that look like what was typed.
func (a *cli) knownUser(ctx context.Context, e *authz.Engine, user string) error {
	ok, err := e.HasAccount(ctx, user)
	if err != nil || ok {
		return err
	}
	unknown := &authz.UnknownUserError{UserID: user}
	if err := a.withNames(ctx, func(dir *namesql.Store) error {
		unknown.Suggestions, err = names.SuggestUsers(ctx, dir, user)
		return err
	}); err != nil {
		fmt.Fprintf(a.stderr, "bastion: no suggestions: %v\n", err)
	}
	return exitError{code: 2, msg: unknown.Error() + "; pass --allow-unknown-user to assign anyway (pre-provisioning)"}
}

func newRevokeCmd(a *cli) *cobra.Command {
	return assignmentCmd(a, "revoke", "Take a role on an entity away from a user",
		func(e *authz.Engine, cmd *cobra.Command, user, role, entity, actor string) (authz.Revision, error) {
			return e.Revoke(cmd.Context(), user, role, entity, actor)
		})
}

func newAssignmentsCmd(a *cli) *cobra.Command {
	var f authz.AssignmentFilter
	var expiring time.Duration
	cmd := &cobra.Command{
		Use:     "assignments",
		Short:   "List role assignments by user, entity or role, or those ending soon",
		Example: "  bastion assignments --user U1\n  bastion assignments --role CHANNELS_ADMIN\n  bastion assignments --expiring 24h",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			if cmd.Flags().Changed("expiring") {
				if expiring <= 0 {
					return fmt.Errorf("--expiring %s: give a positive duration, such as 24h", expiring)
				}
				f.ExpiringBefore = now.Add(expiring)
			}
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				list, err := e.Assignments(cmd.Context(), f)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USER\tROLE\tENTITY\tGRANTED BY\tGRANTED AT\tENDS\tREASON")
				for _, x := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.UserID, x.Role, x.EntityID, x.GrantedBy, x.GrantedAt.Format("2006-01-02 15:04:05Z"),
						formatEnd(x.ExpiresAt, now), x.Reason)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().DurationVar(&expiring, "expiring", 0, "list the assignments ending within this long (24h), soonest first, ended ones not yet removed included")
	cmd.Flags().StringVar(&f.UserID, "user", "", "list this user's assignments")
	cmd.Flags().StringVar(&f.EntityID, "entity", "", "list assignments on this entity")
	cmd.Flags().StringVar(&f.Role, "role", "", "list holders of this role")
	cmd.MarkFlagsOneRequired("user", "entity", "role", "expiring")
	cmd.MarkFlagsMutuallyExclusive("user", "entity", "role", "expiring")
	return reads(cmd)
}

func newAuditCmd(a *cli) *cobra.Command {
	var f authz.ChangeFilter
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who changed what, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				list, err := e.Audit(cmd.Context(), f)
				if err != nil {
					return err
				}
				for _, c := range list {
					fmt.Fprintf(a.stdout, "%6d %s %-16s %-18s %s", c.Revision, c.At.Format("2006-01-02 15:04:05Z"), c.Actor, c.Kind, c.Key)
					if c.Before != "" {
						fmt.Fprintf(a.stdout, " before=%s", c.Before)
					}
					if c.After != "" {
						fmt.Fprintf(a.stdout, " after=%s", c.After)
					}
					fmt.Fprintln(a.stdout)
				}
				return nil
			})
		},
	}
	cmd.Flags().Int64Var((*int64)(&f.After), "after", 0, "only changes after this revision")
	cmd.Flags().StringVar(&f.Actor, "actor", "", "only changes by this actor")
	cmd.Flags().StringVar(&f.UserID, "user", "", "only changes to this user")
	cmd.Flags().StringVar(&f.EntityID, "entity", "", "only changes on this entity")
	cmd.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries")
	return reads(cmd)
}
