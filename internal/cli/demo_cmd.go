package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
)

func newDemoDataCmd(a *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "demo-data",
		Short: "Load a small demo organisation (E1 with workspaces T1, T2, channels and users of every account type)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				if err := demo.Load(cmd.Context(), e); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Loaded the demo organisation into %s: enterprise %s, workspaces %s and %s.\n", a.cfg.DB, demo.Enterprise, demo.TeamMain, demo.TeamOther)
				fmt.Fprintln(a.stdout, "Users (team, account type, roles):")
				for _, u := range demo.Users() {
					fmt.Fprintf(a.stdout, "  %-11s %-22s %s %-16s %v\n", u.ID, u.Name, u.Team, u.Account, u.Roles)
				}
				fmt.Fprintln(a.stdout, "Channels:")
				for _, c := range demo.Channels() {
					fmt.Fprintf(a.stdout, "  %-3s #%-22s in %s, created by %s\n", c.ID, c.Name, c.Team, c.Creator)
				}
				fmt.Fprintln(a.stdout, "Try: bastion check --team T1 --user UCHANADMIN --entity C4 --permission ARCHIVE_CHANNEL --explain")
				return nil
			})
		},
	}
}
