package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/slackapp"
)

// devSlackActor is the actor of the permission writes dev --slack makes
// when it learns a workspace.
const devSlackActor = "dev-slack"

// runSlack runs dev in a real workspace over Socket Mode: it records the
// bot token as the workspace's installation (so the console shows its
// scopes), learns the workspace's channels and people into the
// permission service, gives the demo's roles there the first time, and
// runs the same bot as with the sandbox, taking events over the socket
// that cfg.SlackAppToken opens. The console is served at /console/.
func (d *devRun) runSlack(ctx context.Context) (*DevEnv, error) {
	api := slack.New(d.cfg.SlackBotToken, slack.OptionAPIURL(d.cfg.SlackAPIURL))
	who, err := api.AuthTestContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("SLACK_BOT_TOKEN: Slack's auth.test answered %w (copy the Bot User OAuth Token of the app installed in your workspace)", err)
	}
	svc := slackapp.NewService(d.st.Installations, slackapp.ServiceOptions{APIURL: d.cfg.SlackAPIURL, Logger: d.log})
	if err := d.recordInstallation(ctx, svc, who); err != nil {
		return nil, err
	}
	learned, err := learnWorkspace(ctx, d.st.Engine, api, who)
	if err != nil {
		return nil, err
	}

	apiKey := randomToken(16)
	srv := server.New(d.st.Engine, server.Options{APIKeys: []string{apiKey}, Registry: d.reg, Logger: d.log,
		Services: []server.Service{installationService(svc, "")},
		Extra: map[string]http.Handler{
			"/console/": d.console.Handler(),
			"/":         http.RedirectHandler("/console/", http.StatusFound),
		}})
	serveHTTP(d.life, srv, d.ln, d.log, d.console.Close)
	d.serving = true

	rt, workflow, err := newBot(ctx, d.st, botSetup{BotToken: d.cfg.SlackBotToken, AppToken: d.cfg.SlackAppToken, APIURL: d.cfg.SlackAPIURL,
		Slack: svc, Sources: d.sources, Demo: true, CommandsFile: d.cfg.Commands, RolesFile: d.cfg.Roles, Logger: d.log})
	if err != nil {
		return nil, err
	}
	d.votes.set(console.WorkflowVotes{Workflow: workflow})
	d.life.start("slack bot", runBot(rt), nil)

	env := &DevEnv{URL: d.base + "/console/", APIKey: apiKey, Engine: d.st.Engine, Slack: svc, Names: d.st.Names}
	fmt.Fprintf(d.out, "Bastion is running in Slack workspace %s (%s) over Socket Mode.\n\n", who.Team, who.TeamID)
	fmt.Fprintf(d.out, "  learned:            %s\n", learned)
	fmt.Fprintf(d.out, "  admin console:      %s (sign in as anyone of the workspace)\n", env.URL)
	fmt.Fprintf(d.out, "  permission service: %s (gRPC, gRPC-Web, Connect; API key %s)\n", d.base, apiKey)
	fmt.Fprintf(d.out, "  database:           %s\n\n", d.databaseNote())
	fmt.Fprintf(d.out, "Invite @%s to a channel (/invite @%s) and say `@%s help` there. Ctrl-C stops.\n", who.User, who.User, who.User)
	return env, nil
}

// recordInstallation saves the bot token as the workspace's installation
// and reads the scopes Slack granted it.
func (d *devRun) recordInstallation(ctx context.Context, svc *slackapp.Service, who *slack.AuthTestResponse) error {
	now := time.Now()
	in := slackapp.Installation{ID: who.TeamID, TeamID: who.TeamID, EnterpriseID: who.EnterpriseID, BotUserID: who.UserID,
		BotToken: d.cfg.SlackBotToken, InstalledAt: now, Active: true}
	if old, err := d.st.Installations.Installation(ctx, who.TeamID); err == nil {
		in.InstalledAt, in.AppID, in.InstallerUserID = old.InstalledAt, old.AppID, old.InstallerUserID
	} else if !errors.Is(err, slackapp.ErrNotInstalled) {
		return fmt.Errorf("installation of %s: %w", who.TeamID, err)
	}
	if err := d.st.Installations.SaveInstallation(ctx, in); err != nil {
		return fmt.Errorf("record the installation of %s: %w", who.TeamID, err)
	}
	if _, err := svc.RefreshScopes(ctx, who.TeamID); err != nil {
		return fmt.Errorf("scopes of %s: %w", who.TeamID, err)
	}
	return nil
}

// learnWorkspace writes the workspace of who into the permission
// service: its enterprise and itself, its channels (with their
// creators) and its people's account types, changing only what differs
// from what the service holds. The first time it learns the workspace
// it gives the demo's roles there: every admin and owner becomes a back
// office operator (so two of them approve each other's requests, as Ada
// and Abe do in the sandbox), and the primary owner a roles admin. It
// returns a summary for the person starting dev.
func learnWorkspace(ctx context.Context, engine *authz.Engine, api *slack.Client, who *slack.AuthTestResponse) (string, error) {
	team := who.TeamID
	_, err := engine.Entity(ctx, team)
	first := errors.Is(err, authz.ErrNotFound)
	if err != nil && !first {
		return "", fmt.Errorf("workspace %s: %w", team, err)
	}
	entities := []authz.Entity{{ID: team, Type: authz.TypeWorkspace, ParentID: who.EnterpriseID}}
	if who.EnterpriseID != "" {
		entities = append([]authz.Entity{{ID: who.EnterpriseID, Type: authz.TypeEnterprise}}, entities...)
	}
	channels, err := listChannels(ctx, api)
	if err != nil {
		return "", err
	}
	for _, c := range channels {
		entities = append(entities, authz.Entity{ID: c.ID, Type: authz.TypeChannel, ParentID: team, CreatorID: c.Creator})
	}
	for _, e := range entities {
		if old, err := engine.Entity(ctx, e.ID); err == nil && old == e {
			continue
		}
		if _, err := engine.UpsertEntity(ctx, e, devSlackActor); err != nil {
			return "", fmt.Errorf("learn %s %s: %w", e.Type, e.ID, err)
		}
	}
	people, err := api.GetUsersContext(ctx, slack.GetUsersOptionLimit(200))
	if err != nil {
		return "", fmt.Errorf("list the workspace's people (users.list needs users:read): %w", err)
	}
	var ids []string
	types := map[string]authz.AccountType{}
	for _, u := range people {
		if u.Deleted || u.IsBot || u.ID == "USLACKBOT" {
			continue
		}
		ids, types[u.ID] = append(ids, u.ID), accountTypeOf(u)
	}
	var operators, rolesAdmins []string
	for _, id := range ids {
		rec, err := engine.Store().LoadUser(ctx, id)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", id, err)
		}
		if rec.AccountType(team) != types[id] {
			if _, err := engine.SetAccountType(ctx, team, id, types[id], devSlackActor); err != nil {
				return "", fmt.Errorf("account type of %s: %w", id, err)
			}
		}
		if types[id] >= authz.AccountAdmin {
			operators = append(operators, id)
		}
		if types[id] == authz.AccountPrimaryOwner {
			rolesAdmins = append(rolesAdmins, id)
		}
	}
	summary := fmt.Sprintf("%d channels the bot can see, %d people", len(channels), len(ids))
	if !first {
		return summary + " (roles as you left them)", nil
	}
	for role, users := range map[string][]string{"BACKOFFICE_OPERATOR": operators, "ROLES_ADMIN": rolesAdmins} {
		for _, u := range users {
			if _, err := engine.Assign(ctx, u, role, team, devSlackActor); err != nil {
				return "", fmt.Errorf("give %s %s: %w", u, role, err)
			}
		}
	}
	return fmt.Sprintf("%s; admins and owners are back-office operators (%d), the primary owner a roles admin (%d)",
		summary, len(operators), len(rolesAdmins)), nil
}

// listChannels lists the public and private channels the bot can see.
func listChannels(ctx context.Context, api *slack.Client) ([]slack.Channel, error) {
	var out []slack.Channel
	p := slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: 200}
	for {
		page, next, err := api.GetConversationsContext(ctx, &p)
		if err != nil {
			hint := ""
			if strings.Contains(err.Error(), "missing_scope") {
				hint = " (conversations.list needs channels:read and groups:read: use the manifest of `bastion slack manifest --socket-mode`)"
			}
			return nil, fmt.Errorf("list the workspace's channels: %w%s", err, hint)
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// accountTypeOf reads a Slack user's account type from its flags.
func accountTypeOf(u slack.User) authz.AccountType {
	switch {
	case u.IsUltraRestricted:
		return authz.AccountUltraRestricted
	case u.IsRestricted:
		return authz.AccountRestricted
	case u.IsPrimaryOwner:
		return authz.AccountPrimaryOwner
	case u.IsOwner:
		return authz.AccountOwner
	case u.IsAdmin:
		return authz.AccountAdmin
	}
	return authz.AccountMember
}
