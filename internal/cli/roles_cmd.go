package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

func newRolesCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "roles", Short: "Validate and inspect the roles file and the roles in the store"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a roles file; errors name the line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := rolesfile.Load(args[0])
			if err != nil {
				return exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "%s: ok (%d entity types, %d permissions, %d roles, %d policies)\n",
				args[0], len(c.EntityTypes), len(c.Permissions), len(c.Roles), len(c.Policies))
			return nil
		},
	}, reads(&cobra.Command{
		Use:   "list",
		Short: "List system and custom roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				roles, err := e.Roles(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ROLE\tKIND\tPERMISSIONS")
				for _, r := range roles {
					kind := "system"
					if !r.System {
						kind = "custom (" + r.Scope + ")"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, kind, strings.Join(r.Permissions, ", "))
				}
				return tw.Flush()
			})
		},
	}), reads(&cobra.Command{
		Use:   "show ROLE",
		Short: "Show one role and its permissions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				r, err := e.Role(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s: %s\n", r.Name, r.Description)
				if r.Scope != "" {
					fmt.Fprintf(a.stdout, "custom role of %s\n", r.Scope)
				}
				for _, p := range r.Permissions {
					fmt.Fprintf(a.stdout, "  %-28s %s\n", p, e.Catalog().Permissions[p].Description)
				}
				return nil
			})
		},
	}), &cobra.Command{
		Use:   "print-builtin",
		Short: "Print the built-in roles file, to start your own from it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := a.stdout.Write(rolesfile.Builtin())
			return err
		},
	}, newRolesTestCmd(a), newRolesDiffCmd(a))
	return cmd
}
