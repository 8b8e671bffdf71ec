// Package cli is the bastion command line: one cobra command per
// subcommand, each reading its settings from one config.Config and
// running through package app.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/sqldb"
)

// cli holds what every subcommand shares: the settings, read once from
// flags and the environment, the binary's options and the standard
// streams. Subcommands are built by newXxxCmd(a *cli) constructors, one
// file each.
type cli struct {
	cfg    config.Config
	opts   app.Options
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
}

// Run runs the bastion command line with args (without the program
// name) and returns the process's exit code: 0 success, 1 a negative
// answer (a denied check), 2 an error.
func Run(ctx context.Context, args []string, opts app.Options, io app.IO) int {
	root := newRoot(opts, io, os.Getenv)
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(ctx), io.Stderr)
}

// exitCode reports err on stderr and returns the exit code it stands for.
func exitCode(err error, stderr io.Writer) int {
	var exit exitError
	var cfgErr app.ConfigError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if exit.msg != "" {
			fmt.Fprintln(stderr, "bastion:", exit.msg)
		}
		return exit.code
	case errors.As(err, &cfgErr):
		fmt.Fprintln(stderr, "bastion:", cfgErr.Err)
		return 2
	default:
		fmt.Fprintln(stderr, "bastion:", err)
		return 2
	}
}

// exitError ends the program with a chosen exit code.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

// newRoot builds the root command with every subcommand, reading the
// environment through getenv.
func newRoot(opts app.Options, io app.IO, getenv func(string) string) *cobra.Command {
	a := &cli{cfg: config.Default(), opts: opts, getenv: getenv, stdout: io.Stdout, stderr: io.Stderr, stdin: io.Stdin}
	if a.stdin == nil {
		a.stdin = os.Stdin
	}
	root := &cobra.Command{
		Use:           filepath.Base(os.Args[0]),
		Short:         "Bastion: a back office in Slack, guarded by a fine-grained permission service",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetIn(a.stdin)
	a.cfg.Register(root.PersistentFlags(), config.Global)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := a.cfg.ApplyEnv(cmd.Flags(), a.getenv); err != nil {
			return exitError{code: 2, msg: err.Error()}
		}
		if !cmd.Flags().Changed("db") {
			a.cfg.DB = config.ChooseDB(a.getenv("BASTION_DEV_DIR"), os.Stat)
		}
		if cmd.Annotations[readsOnly] != "" {
			if err := config.RequireDB(a.cfg.DB); err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
		}
		return nil
	}
	for _, sub := range subcommands {
		root.AddCommand(sub(a))
	}
	return root
}

// subcommands lists the constructors of the top-level commands; each
// command file adds its own by being named here.
var subcommands = []func(*cli) *cobra.Command{
	newRolesCmd, newEntityCmd, newUserCmd, newTeamCmd, newChannelCmd,
	newAssignCmd, newRevokeCmd, newAssignmentsCmd, newCheckCmd, newAuditCmd, newDemoDataCmd,
	newSlackCmd, newShellCmd, newGenCmd, newServeCmd, newBenchCmd, newDevCmd,
	newApprovalsCmd, newCommandsCmd, newNamesCmd,
}

// readsOnly is the annotation of commands that only read the database:
// they refuse a SQLite file that does not exist instead of creating an
// empty one and answering from it.
const readsOnly = "bastion/reads-only"

// reads marks cmd as one that only reads the database, and returns it.
func reads(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[readsOnly] = "true"
	return cmd
}

// io returns the command line's streams for package app.
func (a *cli) io() app.IO { return app.IO{Stdin: a.stdin, Stdout: a.stdout, Stderr: a.stderr} }

// openDB opens (creating and migrating nothing) the database named by --db.
// Each component migrates its own tables when it opens its store.
func (a *cli) openDB(ctx context.Context) (*sqldb.DB, error) {
	return store.Open(ctx, a.cfg.DB)
}

// openEngine opens the database and a permission engine on it, with a
// function to close them.
func (a *cli) openEngine(ctx context.Context) (*authz.Engine, func(), error) {
	e, db, err := app.OpenEngine(ctx, a.cfg)
	if err != nil {
		return nil, nil, err
	}
	return e, func() { db.Close() }, nil
}

// withEngine adapts a function needing an engine into a cobra RunE body.
func (a *cli) withEngine(ctx context.Context, fn func(*authz.Engine) error) error {
	e, closeFn, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	return fn(e)
}

// actorFlagDefault names the operator for CLI writes: $USER on this host.
func actorFlagDefault() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// aliases maps older flag names to the settings that replaced them.
func aliases(old map[string]string) func(*pflag.FlagSet, string) pflag.NormalizedName {
	return func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if n, ok := old[name]; ok {
			return pflag.NormalizedName(n)
		}
		return pflag.NormalizedName(name)
	}
}
