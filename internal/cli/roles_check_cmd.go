package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/authzsql"
)

func newRolesTestCmd(a *cli) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test FILE...",
		Short: "Check what a roles file grants and refuses, against test files",
		Long: `test runs each test file against the roles file (--roles, or the built-in one):
it builds the file's organisation on a scratch store and asks the engine every
expectation. Failures name the expectation's line and what the engine answered.
Exit status: 0 when every expectation holds, 1 when one fails, 2 when a test file
or the roles file is invalid.`,
		Example: "  bastion roles test authz/rolesfile/roles_test.yaml\n  bastion --roles my-roles.yaml roles test tests/*.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.rolesTest(cmd.Context(), args, verbose)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the expectations that hold too")
	return cmd
}

func (a *cli) rolesTest(ctx context.Context, files []string, verbose bool) error {
	cat, err := rolesfile.Load(a.cfg.Roles)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	invalid, failed := false, false
	for _, f := range files {
		s, err := rolestest.Load(f)
		if err == nil {
			var rep *rolestest.Report
			if rep, err = rolestest.Run(ctx, cat, s, rolestest.Options{}); err == nil {
				if err := rep.Write(a.stdout, verbose); err != nil {
					return err
				}
				failed = failed || len(rep.Failed()) > 0
				continue
			}
		}
		var lines rolesfile.Errors
		if !errors.As(err, &lines) && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		fmt.Fprintln(a.stderr, err)
		fmt.Fprintf(a.stdout, "INVALID %s\n", f)
		invalid = true
	}
	switch {
	case invalid:
		return exitError{code: 2}
	case failed:
		return exitError{code: 1}
	}
	return nil
}

func newRolesDiffCmd(a *cli) *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Say what changing the roles file from OLD to NEW does, and with --db to whom",
		Long: `diff compares two roles files (either may be "builtin"): permissions, roles and
entity types added, removed or renamed, roles granting more or less, policies whose rules
change or are reordered, and which cases of each policy decide differently, trying every
account type, value of the preferences its rules read, creator or not, and holding or not
the permissions its rules look for.

With --db (or BASTION_DB) it reads the database (read-only, one snapshot, refusing a schema older or
newer than this build's) and lists the users who would gain or lose each permission, and
on which entities, from the real assignments.

Exit status: 0, or 1 with --exit-code when anything differs; 2 on an error.`,
		Example: "  bastion roles diff builtin my-roles.yaml\n  bastion roles diff old.yaml new.yaml --db bastion.db --limit 20",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.withDB = cmd.Flags().Changed("db")
			return a.rolesDiff(cmd.Context(), args[0], args[1], o)
		},
	}
	cmd.Flags().IntVar(&o.limit, "limit", 20, "users listed per permission gained or lost (0: all)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the report as JSON (every change, whatever --limit)")
	cmd.Flags().BoolVar(&o.exitCode, "exit-code", false, "exit with status 1 when anything differs")
	return cmd
}

type diffOptions struct {
	limit          int
	json, exitCode bool
	withDB         bool
}

// loadRolesArg reads a roles file named on the command line; "builtin"
// (when no such file exists) is the built-in one.
func loadRolesArg(path string) (*authz.Catalog, error) {
	if path == "builtin" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return rolesfile.LoadBuiltin()
		}
	}
	return rolesfile.Load(path)
}

func (a *cli) rolesDiff(ctx context.Context, oldPath, newPath string, o diffOptions) error {
	old, err := loadRolesArg(oldPath)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	new, err := loadRolesArg(newPath)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	rep := &rolesdiff.Report{Old: oldPath, New: newPath, Catalog: rolesdiff.Compare(old, new)}
	if rep.Decisions, err = rolesdiff.Decisions(ctx, old, new, rolesdiff.Options{}); err != nil {
		return err
	}
	if o.withDB {
		db, err := store.OpenReadOnly(ctx, a.cfg.DB)
		if err != nil {
			return err
		}
		defer db.Close()
		r, err := authzsql.OpenReader(ctx, db)
		if err != nil {
			return err
		}
		defer r.Close()
		rep.Database = db.URL
		if rep.Impact, err = rolesdiff.ForCatalogs(ctx, r, old, new); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(a.stdout, o.limit); err != nil {
		return err
	}
	if o.exitCode && rep.Changed() {
		return exitError{code: 1}
	}
	return nil
}
