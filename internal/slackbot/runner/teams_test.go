package runner_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/slackbot"
	"testing"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/storetest"
)

// installs maps each team to its installation.
type installs map[string]slackapp.Installation

func (m installs) TeamInstallations(_ context.Context, teamID string) ([]slackapp.Installation, error) {
	if in, ok := m[teamID]; ok {
		return []slackapp.Installation{in}, nil
	}
	return nil, nil
}

// With Chats, the workers answer each workspace with its own token; the
// runner's BotToken (T1's) only identifies the bot. With BotUsers, a
// mention of the bot's user in T2 (its own there) addresses the bot.
func TestRunnerAnswersEachWorkspaceThroughChats(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	must(t, sb.AddTeam(sandbox.Team{ID: demo.TeamOther, EnterpriseID: demo.Enterprise}))
	must(t, sb.AddChannel(demo.TeamOther, sandbox.Channel{ID: demo.ChannelSupport, Name: "support"}))
	must(t, sb.AddUser(demo.TeamOther, sandbox.User{ID: "USUPPORT"}))
	other, err := sb.InstallApp(demo.TeamOther, "chat:write", "app_mentions:read")
	must(t, err)
	sb.Start()
	t.Cleanup(sb.Close)
	chats, err := teamchat.New(teamchat.Options{Installations: installs{
		demo.TeamMain:  {ID: demo.TeamMain, TeamID: demo.TeamMain, BotToken: token, Active: true},
		demo.TeamOther: {ID: demo.TeamOther, TeamID: demo.TeamOther, BotToken: other, BotUserID: "UBOT2", Active: true}},
		Chat: slackbot.SlackChatOptions{APIURL: sb.APIURL()}})
	must(t, err)
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	start(t, sb, runner.Options{DB: db, BotToken: token, Chats: chats, BotUsers: chats, Authorizer: allow, Commands: newBackoffice().commands(), Workers: 2})
	ts, err := sb.PostAsUser(demo.TeamOther, demo.ChannelSupport, "USUPPORT", "<@UBOT2> show account acme")
	must(t, err)
	if got := waitReply(t, sb, demo.ChannelSupport, ts); got != "account acme: plan pro" {
		t.Fatalf("reply in %s = %q", demo.TeamOther, got)
	}
	if got := reply(t, sb, demo.ChannelGeneral, "UMEMBER", "<@UBOT> show account beta"); got != "account beta: plan pro" {
		t.Fatalf("reply in %s = %q", demo.TeamMain, got)
	}
}
