package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/internal/app"
)

func newCommandsCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "commands", Short: "Check a commands file: commands served by your own HTTP services"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a commands file against the roles file in use; errors name the line",
		Long: `validate checks a commands file as serve, dev and shell do before they
start: each key, each pattern and its overlaps with the other commands of
the file and the built-in ones, each permission against the roles file in
use (--roles, default the built-in one), each endpoint URL, and that each
secret_env variable holds a signing secret. serve, dev and shell also
check the patterns against the binary's own commands when they start.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := rolesfile.Load(a.cfg.Roles)
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			f, err := app.LoadCommandsFile(args[0], cat, a.cfg.Roles, app.BuiltinCommands(), a.getenv)
			if err != nil {
				return exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "%s: ok (%d commands)\n", args[0], len(f.Specs))
			return nil
		},
	})
	return cmd
}
