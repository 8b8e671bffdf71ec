package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/httpcommand"
)

func newCommandsCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "commands", Short: "Check a commands file: commands served by your own HTTP services"}
	var skipSecrets bool
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a commands file against the roles file in use; errors name the line",
		Long: `validate checks a commands file as serve, dev and shell do before they
start: each key, each pattern and its overlaps with the other commands of
the file and the built-in ones, each permission against the roles file in
use (--roles, default the built-in one), each endpoint URL, and that each
secret_env variable holds a signing secret. serve, dev and shell also
check the patterns against the binary's own commands when they start.

With --skip-secrets it checks everything but the secrets' values (each
secret_env must still be a variable name), for CI and other places where
the secrets are not set; it names the variables it did not read.`,
		Example: "  bastion commands validate commands.yaml\n  bastion commands validate --skip-secrets commands.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := rolesfile.Load(a.cfg.Roles)
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			f, err := app.CheckCommandsFile(args[0], httpcommand.Environment{Catalog: cat, RolesFile: a.cfg.Roles,
				Registered: app.BuiltinCommands(), Getenv: a.getenv, SkipSecrets: skipSecrets})
			if err != nil {
				return exitError{code: 1, msg: err.Error()}
			}
			if !skipSecrets {
				fmt.Fprintf(a.stdout, "%s: ok (%d commands)\n", args[0], len(f.Specs))
				return nil
			}
			var envs []string
			for _, s := range f.Specs {
				envs = append(envs, s.SecretEnv)
			}
			slices.Sort(envs)
			fmt.Fprintf(a.stdout, "%s: ok (%d commands; secrets not checked: %s)\n", args[0], len(f.Specs), strings.Join(slices.Compact(envs), ", "))
			return nil
		},
	}
	validate.Flags().BoolVar(&skipSecrets, "skip-secrets", false, "check everything but the signing secrets' values (for CI, where they are not set)")
	cmd.AddCommand(validate)
	return cmd
}
