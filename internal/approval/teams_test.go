package approval_test

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/storetest"
)

// installs is an installation store in memory: one record per team,
// changed by the test as installs and reinstalls happen.
type installs struct {
	mu     sync.Mutex
	byTeam map[string]slackapp.Installation
}

func (s *installs) set(in slackapp.Installation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byTeam[in.TeamID] = in
}

func (s *installs) TeamInstallations(_ context.Context, teamID string) ([]slackapp.Installation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.byTeam[teamID]
	if !ok {
		return nil, nil
	}
	return []slackapp.Installation{in}, nil
}

// missingReactionScopes answers from the records' scopes, as
// slackapp.Service.MissingScopes does.
func (s *installs) missingReactionScopes(ctx context.Context, teamID string) ([]string, error) {
	list, _ := s.TeamInstallations(ctx, teamID)
	if len(list) == 0 {
		return nil, slackapp.ErrNotInstalled
	}
	return slackapp.Missing(list[0].Scopes, slackapp.FeatureApprovalsByReaction)
}

// teamsEnv is the approval environment with two more workspaces: T2,
// installed without the reaction scopes, and T3, whose installation is
// inactive. Each has a channel where U1 (caller) and U2 (approver) are.
// As in Slack, the bot has a user of its own in each workspace (botUsers);
// the sandbox posts as UBOT everywhere, with a bot id.
type teamsEnv struct {
	*approvalEnv
	installs *installs
	chats    *teamchat.Source
	events   *eventLog
}

var fullScopes = []string{"chat:write", "reactions:write", "reactions:read", "app_mentions:read"}

var botUsers = map[string]string{"T1": "UBOT", "T2": "UBOT2", "T3": "UBOT3"}

func newTeamsEnv(t *testing.T) *teamsEnv {
	t.Helper()
	e := &teamsEnv{approvalEnv: newApprovalEnv(t, storetest.SQLite(t)), installs: &installs{byTeam: map[string]slackapp.Installation{}}}
	for team, channel := range map[string]string{"T2": "C2", "T3": "C3"} {
		must(t, e.sb.AddTeam(sandbox.Team{ID: team}))
		must(t, e.sb.AddChannel(team, sandbox.Channel{ID: channel, Name: "backoffice-" + strings.ToLower(team)}))
		for _, u := range []string{"U1", "U2"} {
			must(t, e.sb.AddUser(team, sandbox.User{ID: u}))
		}
	}
	ingress, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: e.queue})
	must(t, err)
	e.events = &eventLog{next: ingress, ts: map[string]int{}}
	srv := httptest.NewServer(e.events)
	t.Cleanup(srv.Close)
	e.sb.SetEventsURL(srv.URL)
	e.install(t, "T1", true, fullScopes...)
	e.install(t, "T2", true, noReactionScopes...)
	e.install(t, "T3", false, fullScopes...)
	e.chats, err = teamchat.New(teamchat.Options{Installations: e.installs, Chat: slackbot.SlackChatOptions{APIURL: e.sb.APIURL()}})
	must(t, err)
	return e
}

// install installs the app into team in the sandbox and records the new
// token, as the OAuth callback does.
func (e *teamsEnv) install(t *testing.T, team string, active bool, scopes ...string) string {
	t.Helper()
	token, err := e.sb.InstallApp(team, scopes...)
	must(t, err)
	e.installs.set(slackapp.Installation{ID: team, TeamID: team, BotToken: token, BotUserID: botUsers[team], Active: active,
		Scopes: slackapp.ParseScopes(strings.Join(scopes, ","))})
	return token
}

// run runs one bot process answering every workspace with its own token.
func (e *teamsEnv) run(t *testing.T) {
	t.Helper()
	rt := router.New(router.Options{Authorizer: e.grants, Now: e.clock.Now})
	must(t, rt.Register(e.commands()...))
	chats := approval.ChatSourceFunc(func(ctx context.Context, team string) (approval.Chat, error) {
		return e.chats.SlackChatFor(ctx, slackbot.Workspace{TeamID: team})
	})
	appr, err := approval.New(approval.Options{Store: e.store, Router: rt, Chats: chats, BotUsers: e.chats, Audit: e.store,
		Scopes: approval.ReactionScopesFunc(e.installs.missingReactionScopes), BotUserID: e.sb.BotUserID(), Now: e.clock.Now})
	must(t, err)
	rt.SetApprovalGate(appr)
	must(t, rt.Register(appr.Commands()...))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 2 {
		w, err := slackbot.NewWorker(slackbot.WorkerOptions{Queue: e.queue, Router: rt, Claims: e.store, Audit: e.store,
			Chats: e.chats, BotUsers: e.chats, Reactions: appr, Actions: appr, BotUserID: e.sb.BotUserID(),
			Name: "teams-" + string(rune('a'+i)), Now: e.clock.Now, Lease: time.Minute})
		must(t, err)
		wg.Go(func() { w.Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// say posts text as user in channel of team, mentioning the bot's user
// in that workspace.
func (e *teamsEnv) say(t *testing.T, team, channel, user, text string) string {
	t.Helper()
	ts, err := e.sb.PostAsUser(team, channel, user, "<@"+botUsers[team]+"> "+text)
	must(t, err)
	return ts
}

// settled waits until n events of the message ts were acknowledged and
// every queued event was handled: what they caused has happened.
func (e *teamsEnv) settled(t *testing.T, ts string, n int) {
	t.Helper()
	e.eventually(t, "events of "+ts+" acknowledged", func() bool { return e.events.count(ts) >= n })
	e.drained(t)
}

// answer waits for a bot reply containing want in the thread of ts.
func (e *teamsEnv) answer(t *testing.T, channel, ts, want string) sandbox.Message {
	t.Helper()
	var found sandbox.Message
	ctx, cancel := context.WithTimeout(context.Background(), approvalWait)
	defer cancel()
	err := e.sb.WaitFor(ctx, func() bool {
		for _, m := range botReplies(e.sb.Thread(channel, ts)) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no bot reply containing %q in %s/%s; thread: %s", want, channel, ts, threadText(e.sb.Thread(channel, ts)))
	}
	return found
}

// Each workspace is answered with its own token: T1's token cannot post in
// T2's channel (the sandbox answers channel_not_found), so a reply there
// was posted with T2's. T2 lacks the reaction scopes: its approvals use
// buttons. T3's installation is inactive: its messages get nothing.
func TestEachWorkspaceIsAnsweredWithItsOwnToken(t *testing.T) {
	e := newTeamsEnv(t)
	e.run(t)
	for team, channel := range map[string]string{"T1": "C1", "T2": "C2"} {
		ts := e.say(t, team, channel, "U1", "show account acme")
		e.answer(t, channel, ts, "account acme: plan pro")
	}

	ts := e.say(t, "T2", "C2", "U1", "extend acme trial")
	post := e.answer(t, "C2", ts, "Approval needed")
	if !strings.Contains(string(post.Blocks), approval.ApproveActionID) {
		t.Fatalf("approval in a workspace without reaction scopes has no buttons: %s", post.Blocks)
	}
	// Slack shows the post before the bot has recorded it; a click that
	// early is refused. People click later than that.
	e.eventually(t, "request stored with its post", func() bool {
		ar, err := e.store.Approval(context.Background(), approval.ID("T2", "C2", ts))
		return err == nil && ar.PostTS == post.TS
	})
	must(t, e.sb.Click("T2", "U1", "C2", post.TS, approval.ApproveActionID))
	must(t, e.sb.Click("T2", "U2", "C2", post.TS, approval.ApproveActionID))
	e.answer(t, "C2", ts, "trial of acme extended")
	e.eventually(t, "the post lost its buttons", func() bool {
		m := findMessage(e.sb.Messages("C2"), post.TS)
		return strings.Contains(m.Text, "and run.") && !strings.Contains(string(m.Blocks), approval.ApproveActionID)
	})

	quiet := e.say(t, "T3", "C3", "U1", "show account acme")
	// In T2, T1's bot user is someone else: mentioning it addresses nobody.
	other, err := e.sb.PostAsUser("T2", "C2", "U1", "<@UBOT> show account acme")
	must(t, err)
	// The message events, and the sandbox's app_mention for <@UBOT>.
	e.settled(t, quiet, 1)
	e.settled(t, other, 2)
	if got := botReplies(e.sb.Thread("C3", quiet)); len(got) != 0 || len(e.sb.Reactions("C3", quiet)) != 0 {
		t.Fatalf("the inactive workspace was answered: %+v", got)
	}
	if got := botReplies(e.sb.Thread("C2", other)); len(got) != 0 {
		t.Fatalf("a mention of another workspace's bot user was answered: %+v", got)
	}
	if n := e.ran("show"); n != 2 {
		t.Fatalf("show ran %d times, want 2 (T1 and T2)", n)
	}
}

// A reinstall's new token is used from the next message on, though the
// client of the old one is cached; the old token no longer works.
func TestReinstallTokenIsUsed(t *testing.T) {
	e := newTeamsEnv(t)
	e.run(t)
	ts := e.say(t, "T2", "C2", "U1", "show account acme")
	e.answer(t, "C2", ts, "account acme: plan pro")
	before, err := e.chats.ChatFor(context.Background(), slackbot.Workspace{TeamID: "T2"})
	must(t, err)

	must(t, e.sb.RevokeTokens("T2"))
	e.install(t, "T2", true, noReactionScopes...)
	after, err := e.chats.ChatFor(context.Background(), slackbot.Workspace{TeamID: "T2"})
	must(t, err)
	if after == before {
		t.Fatal("the cached client of the revoked token is still used")
	}
	ts = e.say(t, "T2", "C2", "U1", "show account other")
	e.answer(t, "C2", ts, "account other: plan pro")

	// Marked inactive (uninstalled): no client, and no reply.
	e.install(t, "T2", false, noReactionScopes...)
	if _, err := e.chats.ChatFor(context.Background(), slackbot.Workspace{TeamID: "T2"}); !errors.Is(err, slackbot.ErrNoChat) {
		t.Fatalf("inactive team: err = %v, want ErrNoChat", err)
	}
	ts = e.say(t, "T2", "C2", "U1", "show account third")
	e.settled(t, ts, 1)
	if got := botReplies(e.sb.Thread("C2", ts)); len(got) != 0 {
		t.Fatalf("the uninstalled workspace was answered: %+v", got)
	}
}

// Clicks on an approval of a workspace that has since uninstalled the app
// run nothing: the outcome could not be posted there.
func TestClicksOfAnUninstalledWorkspaceRunNothing(t *testing.T) {
	e := newTeamsEnv(t)
	e.run(t)
	ts := e.say(t, "T2", "C2", "U1", "extend acme trial")
	post := e.answer(t, "C2", ts, "Approval needed")
	id := approval.ID("T2", "C2", ts)
	e.eventually(t, "request stored with its post", func() bool {
		ar, err := e.store.Approval(context.Background(), id)
		return err == nil && ar.PostTS == post.TS
	})
	e.install(t, "T2", false, noReactionScopes...)
	must(t, e.sb.Click("T2", "U1", "C2", post.TS, approval.ApproveActionID))
	must(t, e.sb.Click("T2", "U2", "C2", post.TS, approval.ApproveActionID))
	e.drained(t)
	if n := e.ran("extend"); n != 0 || e.state(t, id) != approval.Pending {
		t.Fatalf("ran %d times, state %s; want no run", n, e.state(t, id))
	}
	votes, err := e.store.ApprovalVotes(context.Background(), id)
	must(t, err)
	if len(votes) != 0 {
		t.Fatalf("votes counted: %+v", votes)
	}
}
