package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/sqldb"
)

// app holds what every subcommand shares: global flags and standard streams.
// Subcommands are built by newXxxCmd(a *app) constructors, one file each.
type app struct {
	dbURL     string
	rolesPath string
	// usersInMemory is authz.Options.UsersInMemory.
	usersInMemory int
	stdout        io.Writer
	stderr        io.Writer
	stdin         io.Reader
}

// openDB opens (creating and migrating nothing) the database named by --db.
// Each component migrates its own tables when it opens its store.
func (a *app) openDB(ctx context.Context) (*sqldb.DB, error) {
	return store.Open(ctx, a.dbURL)
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "bastion",
		Short:         "Bastion: a back office in Slack, guarded by a fine-grained permission service",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetIn(a.stdin)
	root.PersistentFlags().StringVar(&a.dbURL, "db", envOr("BASTION_DB", "bastion.db"),
		"database: a SQLite file path, sqlite://PATH or mysql://user:pass@host:port/db (env BASTION_DB)")
	root.PersistentFlags().StringVar(&a.rolesPath, "roles", os.Getenv("BASTION_ROLES"),
		"roles file declaring permissions, roles and policies (default: the built-in one; env BASTION_ROLES)")
	root.PersistentFlags().IntVar(&a.usersInMemory, "users-in-memory", authz.DefaultUsersInMemory,
		"user records the permission engine keeps in memory; a check of one reads only its version (negative: none; env BASTION_USERS_IN_MEMORY)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if v := os.Getenv("BASTION_USERS_IN_MEMORY"); v != "" && !cmd.Flags().Changed("users-in-memory") {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("BASTION_USERS_IN_MEMORY=%q: want a whole number of users", v)
			}
			a.usersInMemory = n
		}
		return nil
	}
	for _, sub := range subcommands {
		root.AddCommand(sub(a))
	}
	return root
}

// subcommands lists the constructors of the top-level commands; each
// command file adds its own in an init-free way by being named here.
var subcommands = []func(*app) *cobra.Command{
	newRolesCmd, newEntityCmd, newUserCmd, newTeamCmd, newChannelCmd,
	newAssignCmd, newRevokeCmd, newAssignmentsCmd, newCheckCmd, newAuditCmd, newDemoDataCmd,
	newSlackCmd, newShellCmd, newGenCmd, newServeCmd, newBenchCmd, newDevCmd,
	newApprovalsCmd,
}
