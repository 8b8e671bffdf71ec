package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/namesql"
)

// withNames opens the name directory on --db for fn.
func (a *cli) withNames(ctx context.Context, fn func(*namesql.Store) error) error {
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	dir, err := namesql.Open(ctx, db)
	if err != nil {
		return err
	}
	return fn(dir)
}

// nameTarget is the --user, --channel, --workspace or --enterprise flag
// naming what a names command is about.
type nameTarget struct{ user, channel, workspace, enterprise string }

func (t *nameTarget) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.user, "user", "", "a user id (U…, W…)")
	cmd.Flags().StringVar(&t.channel, "channel", "", "a channel id (C…, G…)")
	cmd.Flags().StringVar(&t.workspace, "workspace", "", "a workspace id (T…)")
	cmd.Flags().StringVar(&t.enterprise, "enterprise", "", "an enterprise id (E…)")
	cmd.MarkFlagsOneRequired("user", "channel", "workspace", "enterprise")
	cmd.MarkFlagsMutuallyExclusive("user", "channel", "workspace", "enterprise")
}

func (t nameTarget) key() names.Key {
	switch {
	case t.user != "":
		return names.Key{Kind: names.User, ID: t.user}
	case t.channel != "":
		return names.Key{Kind: names.Channel, ID: t.channel}
	case t.workspace != "":
		return names.Key{Kind: names.Team, ID: t.workspace}
	}
	return names.Key{Kind: names.Enterprise, ID: t.enterprise}
}

func newNamesCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "names", Short: "The display names the console and the bot show ids by",
		Long: `names reads and sets the directory of display names. Ids stay the keys
everywhere; names are for people and decide nothing. Slack fills the
directory (and bastion dev fills it from the sandbox); a name set here is
pinned: Slack leaves it alone until it is unset.`}
	var target nameTarget
	var e names.Entry
	set := &cobra.Command{
		Use:     "set",
		Short:   "Set a name by hand (pinned: Slack no longer replaces it)",
		Example: `  bastion names set --user UROLES --name "Rita Ortiz" --handle rita --in T1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k := target.key()
			e.Kind, e.ID, e.Source = k.Kind, k.ID, names.FromCLI
			return a.withNames(cmd.Context(), func(dir *namesql.Store) error {
				if err := dir.Set(cmd.Context(), []names.Entry{e}); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "ok, %s %s is %q\n", e.Kind, e.ID, e.Name)
				return nil
			})
		},
	}
	target.register(set)
	set.Flags().StringVar(&e.Name, "name", "", "the name people see")
	set.Flags().StringVar(&e.Handle, "handle", "", "a second name people search by (a user's display name)")
	set.Flags().StringVar(&e.TeamID, "in", "", "the workspace the user or channel belongs to")
	set.MarkFlagRequired("name")

	var untarget nameTarget
	unset := &cobra.Command{
		Use:   "unset",
		Short: "Forget a name (Slack may fill it again)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k := untarget.key()
			return a.withNames(cmd.Context(), func(dir *namesql.Store) error {
				if err := dir.Unset(cmd.Context(), k); err != nil {
					if errors.Is(err, names.ErrNotFound) {
						return exitError{code: 1, msg: fmt.Sprintf("%s %s has no name", k.Kind, k.ID)}
					}
					return err
				}
				fmt.Fprintf(a.stdout, "ok, %s %s has no name now\n", k.Kind, k.ID)
				return nil
			})
		},
	}
	untarget.register(unset)

	var kind, findKind string
	var asJSON, findJSON bool
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List the names, by kind and id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := names.ListFilter{Limit: 1000}
			if kind != "" {
				k, err := names.ParseKind(kind)
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				f.Kind = k
			}
			return a.withNames(cmd.Context(), func(dir *namesql.Store) error {
				for {
					page, err := dir.List(cmd.Context(), f)
					if err != nil {
						return err
					}
					a.printNames(page, asJSON)
					if len(page) < f.Limit {
						return nil
					}
					f.After = page[len(page)-1].Key()
				}
			})
		},
	}
	list.Flags().StringVar(&kind, "kind", "", "only this kind: user, channel, workspace or enterprise")
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line")

	find := &cobra.Command{
		Use:     "find TEXT",
		Short:   "Find names holding TEXT, ignoring case (names starting with it first)",
		Example: "  bastion names find mi --kind user",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := names.ParseKind(findKind)
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			return a.withNames(cmd.Context(), func(dir *namesql.Store) error {
				found, err := dir.Search(cmd.Context(), names.Query{Kind: k, Text: args[0], Limit: limit})
				if err != nil {
					return err
				}
				a.printNames(found, findJSON)
				if len(found) == 0 {
					return exitError{code: 1}
				}
				return nil
			})
		},
	}
	find.Flags().StringVar(&findKind, "kind", "user", "what to find: user, channel, workspace or enterprise")
	find.Flags().IntVar(&limit, "limit", 20, "at most this many")
	find.Flags().BoolVar(&findJSON, "json", false, "one JSON object a line")

	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Set many names by hand from a CSV file (- for stdin), in one transaction",
		Long: `import sets the names of a CSV file, pinned as names set with "names set"
are. The file starts with the header kind,id,name and may add handle and
team columns:

  kind,id,name,handle,team
  user,UROLES,Rita Ortiz,rita,T1
  channel,C2,backoffice,,T1
  workspace,T1,Acme,,
  enterprise,E1,Acme Corp,,

Nothing is written when any row is wrong; the error names its line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = a.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			list, err := names.ParseCSV(r, names.FromImport)
			if err != nil {
				return exitError{code: 2, msg: fmt.Sprintf("%s: %v", args[0], err)}
			}
			return a.withNames(cmd.Context(), func(dir *namesql.Store) error {
				if err := dir.Set(cmd.Context(), list); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "ok, %d names\n", len(list))
				return nil
			})
		},
	}
	cmd.AddCommand(set, unset, list, find, imp)
	return cmd
}

// printNames writes entries as a table or as JSON lines.
func (a *cli) printNames(list []names.Entry, asJSON bool) {
	for _, e := range list {
		if asJSON {
			b, _ := json.Marshal(map[string]any{"kind": e.Kind, "id": e.ID, "name": e.Name, "handle": e.Handle, "team": e.TeamID,
				"source": e.Source, "pinned": e.Pinned, "updated_at": e.UpdatedAt})
			fmt.Fprintln(a.stdout, string(b))
			continue
		}
		pin := ""
		if e.Pinned {
			pin = " (set by hand)"
		}
		fmt.Fprintf(a.stdout, "%-10s %-14s %-30q %-16s %s%s\n", e.Kind, e.ID, e.Name, e.Handle, e.Source, pin)
	}
}
