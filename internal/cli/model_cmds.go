package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
)

// printRevision reports the revision a write produced.
func (a *cli) printRevision(rev authz.Revision) {
	fmt.Fprintf(a.stdout, "ok, revision %d\n", rev)
}

func newEntityCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "entity", Short: "Create, update and list entities (enterprises, workspaces, channels)"}
	var ent authz.Entity
	var actor string
	upsert := &cobra.Command{
		Use:     "upsert",
		Short:   "Create or update an entity",
		Example: "  bastion entity upsert --id C1 --type channel --parent T1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				rev, err := e.UpsertEntity(cmd.Context(), ent, actor)
				if err == nil {
					a.printRevision(rev)
				}
				return err
			})
		},
	}
	upsert.Flags().StringVar(&ent.ID, "id", "", "entity id (E…, T…, C…, G…)")
	upsert.Flags().StringVar(&ent.Type, "type", "", "entity type: enterprise, workspace, channel, or one declared in the roles file")
	upsert.Flags().StringVar(&ent.ParentID, "parent", "", "parent entity id")
	upsert.Flags().StringVar(&ent.CreatorID, "creator", "", "user who created it (channels)")
	upsert.Flags().StringVar(&actor, "actor", actorFlagDefault(), "who makes the change, for the audit log")
	upsert.MarkFlagRequired("id")
	upsert.MarkFlagRequired("type")
	list := reads(&cobra.Command{
		Use:   "list",
		Short: "List entities",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				ents, err := e.Entities(cmd.Context())
				if err != nil {
					return err
				}
				for _, x := range ents {
					fmt.Fprintf(a.stdout, "%-12s %-10s parent=%-10s creator=%s\n", x.ID, x.Type, x.ParentID, x.CreatorID)
				}
				return nil
			})
		},
	})
	cmd.AddCommand(upsert, list)
	return cmd
}

func newUserCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Set users' legacy account types"}
	var team, user, typ, actor string
	set := &cobra.Command{
		Use:     "set-type",
		Short:   "Set a user's account type in a team",
		Example: "  bastion user set-type --team T1 --user U1 --type member",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := authz.ParseAccountType(typ)
			if err != nil {
				return err
			}
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				rev, err := e.SetAccountType(cmd.Context(), team, user, t, actor)
				if err == nil {
					a.printRevision(rev)
				}
				return err
			})
		},
	}
	set.Flags().StringVar(&team, "team", "", "team (workspace) id")
	set.Flags().StringVar(&user, "user", "", "user id")
	set.Flags().StringVar(&typ, "type", "", "ultra_restricted, restricted, member, admin, owner or primary_owner")
	set.Flags().StringVar(&actor, "actor", actorFlagDefault(), "who makes the change, for the audit log")
	for _, f := range []string{"team", "user", "type"} {
		set.MarkFlagRequired(f)
	}
	cmd.AddCommand(set)
	return cmd
}

func newTeamCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "team", Short: "Set team preferences read by the legacy rules"}
	var team, raw, actor string
	set := &cobra.Command{
		Use:     "set-prefs",
		Short:   "Replace a team's preferences with a JSON object of strings",
		Example: `  bastion team set-prefs --team T1 --json '{"who_can_archive_channels":"member"}'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			prefs := map[string]string{}
			if err := json.Unmarshal([]byte(raw), &prefs); err != nil {
				return fmt.Errorf("--json must be an object of string values: %w", err)
			}
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				rev, err := e.SetTeamPrefs(cmd.Context(), team, prefs, actor)
				if err == nil {
					a.printRevision(rev)
				}
				return err
			})
		},
	}
	set.Flags().StringVar(&team, "team", "", "team (workspace) id")
	set.Flags().StringVar(&raw, "json", "", "preferences, e.g. {\"who_can_archive_channels\":\"admin\"}")
	set.Flags().StringVar(&actor, "actor", actorFlagDefault(), "who makes the change, for the audit log")
	set.MarkFlagRequired("team")
	set.MarkFlagRequired("json")
	cmd.AddCommand(set)
	return cmd
}

func newChannelCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "channel", Short: "Record facts about channels"}
	var channel, user, actor string
	set := &cobra.Command{
		Use:     "set-creator",
		Short:   "Record who created a channel (the allow_if_creator rule)",
		Example: "  bastion channel set-creator --channel C1 --user U1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				rev, err := e.SetCreator(cmd.Context(), channel, user, actor)
				if err == nil {
					a.printRevision(rev)
				}
				return err
			})
		},
	}
	set.Flags().StringVar(&channel, "channel", "", "channel id")
	set.Flags().StringVar(&user, "user", "", "creator's user id")
	set.Flags().StringVar(&actor, "actor", actorFlagDefault(), "who makes the change, for the audit log")
	set.MarkFlagRequired("channel")
	set.MarkFlagRequired("user")
	cmd.AddCommand(set)
	return cmd
}
