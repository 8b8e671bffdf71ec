package app

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/internal/slackbot"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/names/slacknames"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
)

// NameSweepInterval is how often the bot reads from Slack the names the
// directory lacks or learned long ago.
const NameSweepInterval = 6 * time.Hour

// installTokens gives each workspace's bot token: its installation's, or
// fallback for workspaces without one.
type installTokens struct {
	installs interface {
		TeamInstallations(ctx context.Context, teamID string) ([]slackapp.Installation, error)
	}
	fallback string
}

// BotToken returns the token of teamID's active installation.
func (t installTokens) BotToken(ctx context.Context, teamID string) (string, error) {
	if t.installs != nil {
		list, err := t.installs.TeamInstallations(ctx, teamID)
		if err != nil {
			return "", fmt.Errorf("installation of %s: %w", teamID, err)
		}
		for _, in := range list {
			if in.Active && in.BotToken != "" {
				return in.BotToken, nil
			}
		}
	}
	if t.fallback != "" {
		return t.fallback, nil
	}
	return "", fmt.Errorf("workspace %s: %w", teamID, slackapp.ErrNotInstalled)
}

// newFiller builds the Slack name filler of the bot.
func newFiller(st *Stores, setup botSetup) (*slacknames.Filler, error) {
	tokens := installTokens{fallback: setup.BotToken}
	if setup.Slack != nil {
		tokens.installs = setup.Slack.Store()
	}
	return slacknames.New(slacknames.Options{Directory: st.Names, Tokens: tokens, APIURL: setup.APIURL, Logger: setup.Logger})
}

// renameHook hands the renames the bot hears of to the filler.
type renameHook struct{ f *slacknames.Filler }

// HandleRename learns the new name.
func (h renameHook) HandleRename(ctx context.Context, ev slackbot.RenameEvent) error {
	switch ev.Kind {
	case "user":
		return h.f.UserChanged(ctx, ev.TeamID, slack.User{ID: ev.ID, Name: ev.Name, RealName: ev.RealName,
			Profile: slack.UserProfile{RealName: ev.RealName, DisplayName: ev.DisplayName}})
	case "channel":
		return h.f.ChannelRenamed(ctx, ev.TeamID, ev.ID, ev.Name)
	case "team":
		return h.f.TeamRenamed(ctx, ev.ID, ev.Name)
	}
	return nil
}

// nameTargets lists, by workspace, what the directory should name: the
// workspaces and channels of the engine's tree (an enterprise is asked
// of its first workspace), and the users with an account type recorded
// in the change log.
func nameTargets(engine *authz.Engine) slacknames.Targets {
	return func(ctx context.Context) (map[string][]names.Key, error) {
		ents, err := engine.Entities(ctx)
		if err != nil {
			return nil, err
		}
		byID := map[string]authz.Entity{}
		for _, e := range ents {
			byID[e.ID] = e
		}
		teamOf := func(id string) string {
			for d := 0; id != "" && d < authz.MaxDepth; d++ {
				if byID[id].Type == authz.TypeWorkspace {
					return id
				}
				id = byID[id].ParentID
			}
			return ""
		}
		out := map[string][]names.Key{}
		asked := map[string]bool{}
		for _, e := range ents {
			team := teamOf(e.ID)
			switch {
			case team == "":
			case e.Type == authz.TypeWorkspace:
				out[team] = append(out[team], names.Key{Kind: names.Team, ID: e.ID})
				if p := byID[e.ParentID]; p.Type == authz.TypeEnterprise && !asked[p.ID] {
					asked[p.ID] = true
					out[team] = append(out[team], names.Key{Kind: names.Enterprise, ID: p.ID})
				}
			case e.Type == authz.TypeChannel:
				out[team] = append(out[team], names.Key{Kind: names.Channel, ID: e.ID})
			}
		}
		var after authz.Revision
		const page = 5000
		seen := map[[2]string]bool{}
		for {
			changes, err := engine.Audit(ctx, authz.ChangeFilter{Kind: authz.ChangeAccountType, After: after, Limit: page})
			if err != nil {
				return nil, err
			}
			for _, ch := range changes {
				after = max(after, ch.Revision)
				if k := [2]string{ch.TeamID, ch.UserID}; !seen[k] && ch.UserID != "" {
					seen[k] = true
					out[ch.TeamID] = append(out[ch.TeamID], names.Key{Kind: names.User, ID: ch.UserID})
				}
			}
			if len(changes) < page {
				return out, nil
			}
		}
	}
}

// sweepNames runs the filler's sweep of the engine's targets.
func sweepNames(f *slacknames.Filler, engine *authz.Engine) func(context.Context) error {
	return func(ctx context.Context) error { return f.Run(ctx, NameSweepInterval, nameTargets(engine)) }
}

// sandboxNames fills the directory with what the sandbox calls its
// workspaces, their organisation, channels and people.
func sandboxNames(ctx context.Context, dir names.Directory, sb *sandbox.Server) error {
	var list []names.Entry
	add := func(e names.Entry) {
		if e.Name = names.Clean(e.Name); e.Name != "" {
			e.Handle, e.Source = names.Clean(e.Handle), names.FromSandbox
			if e.Handle == e.Name {
				e.Handle = ""
			}
			list = append(list, e)
		}
	}
	for _, t := range sb.Teams() {
		add(names.Entry{Kind: names.Team, ID: t.ID, Name: t.Name, Handle: t.Domain, TeamID: t.ID})
		if t.EnterpriseID != "" {
			add(names.Entry{Kind: names.Enterprise, ID: t.EnterpriseID, Name: t.EnterpriseName})
		}
		for _, c := range sb.Channels(t.ID) {
			if c.Type != sandbox.DirectMessage {
				add(names.Entry{Kind: names.Channel, ID: c.ID, Name: c.Name, TeamID: t.ID})
			}
		}
		for _, u := range sb.Users(t.ID) {
			name := u.RealName
			if name == "" {
				name = u.Name
			}
			add(names.Entry{Kind: names.User, ID: u.ID, Name: name, Handle: u.Name, TeamID: t.ID})
		}
	}
	if _, err := dir.Learn(ctx, list); err != nil {
		return fmt.Errorf("names from the sandbox: %w", err)
	}
	return nil
}

// lateVotes casts the console's votes through the approval workflow once
// the bot runs; before, a vote fails and says so.
type lateVotes struct {
	v atomic.Pointer[console.ApprovalVoter]
}

func (l *lateVotes) set(v console.ApprovalVoter) { l.v.Store(&v) }

// Vote casts v through the workflow.
func (l *lateVotes) Vote(ctx context.Context, v console.Vote) (console.VoteOutcome, error) {
	p := l.v.Load()
	if p == nil {
		return console.VoteOutcome{}, errors.New("the approval workflow is starting; try again")
	}
	return (*p).Vote(ctx, v)
}
