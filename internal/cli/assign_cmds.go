package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

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
	var allowUnknown bool
	cmd := assignmentCmd(a, "assign", "Give a user a role on an entity",
		func(e *authz.Engine, cmd *cobra.Command, user, role, entity, actor string) (authz.Revision, error) {
			if !allowUnknown {
				if err := a.knownUser(cmd.Context(), e, user); err != nil {
					return 0, err
				}
			}
			return e.Assign(cmd.Context(), user, role, entity, actor)
		})
	cmd.Flags().BoolVar(&allowUnknown, "allow-unknown-user", false,
		"assign even if the user has no account in any workspace (pre-provisioning someone who has not joined yet)")
	return cmd
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
	cmd := &cobra.Command{
		Use:     "assignments",
		Short:   "List role assignments by user, entity or role",
		Example: "  bastion assignments --user U1\n  bastion assignments --role CHANNELS_ADMIN",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				list, err := e.Assignments(cmd.Context(), f)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "USER\tROLE\tENTITY\tGRANTED BY\tGRANTED AT")
				for _, x := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.UserID, x.Role, x.EntityID, x.GrantedBy, x.GrantedAt.Format("2006-01-02 15:04:05Z"))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&f.UserID, "user", "", "list this user's assignments")
	cmd.Flags().StringVar(&f.EntityID, "entity", "", "list assignments on this entity")
	cmd.Flags().StringVar(&f.Role, "role", "", "list holders of this role")
	cmd.MarkFlagsOneRequired("user", "entity", "role")
	cmd.MarkFlagsMutuallyExclusive("user", "entity", "role")
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
