package teamchat_test

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/slackbot"
	"sync"
	"testing"

	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
	"github.com/bastionhq/bastion/slackapp"
)

// records is an installation store in memory.
type records struct {
	mu   sync.Mutex
	list map[string][]slackapp.Installation
	err  error
}

func (r *records) set(team string, ins ...slackapp.Installation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list[team] = ins
}

func (r *records) TeamInstallations(_ context.Context, teamID string) ([]slackapp.Installation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.list[teamID], r.err
}

func newSource(t *testing.T, opts teamchat.Options) *teamchat.Source {
	t.Helper()
	s, err := teamchat.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func chatFor(t *testing.T, s *teamchat.Source, team string) slackbot.Chat {
	t.Helper()
	c, err := s.ChatFor(context.Background(), slackbot.Workspace{TeamID: team})
	if err != nil {
		t.Fatalf("chat of %s: %v", team, err)
	}
	return c
}

func TestClientIsCachedUntilTheTokenChanges(t *testing.T) {
	r := &records{list: map[string][]slackapp.Installation{}}
	r.set("T1", slackapp.Installation{ID: "T1", TeamID: "T1", BotToken: "xoxb-1", Active: true})
	r.set("T2", slackapp.Installation{ID: "T2", TeamID: "T2", BotToken: "xoxb-2", Active: true})
	s := newSource(t, teamchat.Options{Installations: r, FallbackToken: "xoxb-env"})

	first := chatFor(t, s, "T1")
	if chatFor(t, s, "T1") != first {
		t.Fatal("a second lookup with the same token built a new client")
	}
	if chatFor(t, s, "T2") == first {
		t.Fatal("two workspaces share a client")
	}
	appr, err := s.SlackChatFor(context.Background(), slackbot.Workspace{TeamID: "T1"})
	if err != nil || appr != first {
		t.Fatalf("approval client = %v, %v; want the same client", appr, err)
	}

	// A reinstall saves a new token: the next lookup uses it.
	r.set("T1", slackapp.Installation{ID: "T1", TeamID: "T1", BotToken: "xoxb-1b", Active: true})
	second := chatFor(t, s, "T1")
	if second == first {
		t.Fatal("the client of the replaced token is still used")
	}

	// Uninstalled: the records stay, inactive; no client, not the fallback.
	r.set("T1", slackapp.Installation{ID: "T1", TeamID: "T1", BotToken: "xoxb-1b", Active: false})
	if _, err := s.ChatFor(context.Background(), slackbot.Workspace{TeamID: "T1"}); !errors.Is(err, slackbot.ErrNoChat) || !errors.Is(err, slackapp.ErrNotInstalled) {
		t.Fatalf("inactive team: err = %v", err)
	}
	// Reinstalled with the same token: a client again, built afresh.
	r.set("T1", slackapp.Installation{ID: "T1", TeamID: "T1", BotToken: "xoxb-1b", Active: true})
	if chatFor(t, s, "T1") == second {
		t.Fatal("the client cached before the uninstall came back")
	}
}

// A record without a token (not yet completed) or inactive is skipped for
// an active one of the same team.
func TestFirstActiveRecordWithATokenWins(t *testing.T) {
	r := &records{list: map[string][]slackapp.Installation{}}
	r.set("T1",
		slackapp.Installation{ID: "a", TeamID: "T1", BotToken: "xoxb-old", Active: false},
		slackapp.Installation{ID: "b", TeamID: "T1", Active: true},
		slackapp.Installation{ID: "c", TeamID: "T1", BotToken: "xoxb-new", Active: true})
	s := newSource(t, teamchat.Options{Installations: r})
	c := chatFor(t, s, "T1")
	r.set("T1", slackapp.Installation{ID: "c", TeamID: "T1", BotToken: "xoxb-new", Active: true})
	if chatFor(t, s, "T1") != c {
		t.Fatal("picked another record than the active one with a token")
	}
}

func TestTeamsWithoutRecordsGetTheFallbackToken(t *testing.T) {
	r := &records{list: map[string][]slackapp.Installation{}}
	withEnv := newSource(t, teamchat.Options{Installations: r, FallbackToken: "xoxb-env"})
	fallback := chatFor(t, withEnv, "T9")
	if chatFor(t, withEnv, "T8") != fallback {
		t.Fatal("teams without records do not share the fallback client")
	}
	noEnv := newSource(t, teamchat.Options{Installations: r})
	if _, err := noEnv.ChatFor(context.Background(), slackbot.Workspace{TeamID: "T9"}); !errors.Is(err, slackbot.ErrNoChat) {
		t.Fatalf("no record, no fallback: err = %v", err)
	}
	// Only an env token (no install flow): every team gets it.
	envOnly := newSource(t, teamchat.Options{FallbackToken: "xoxb-env"})
	if chatFor(t, envOnly, "T1") != chatFor(t, envOnly, "T2") {
		t.Fatal("a single-token setup answers teams with different clients")
	}
	if _, err := teamchat.New(teamchat.Options{}); err == nil {
		t.Fatal("a source with neither installations nor a token was accepted")
	}
}

// A store that cannot be read is an error to retry, not "not installed",
// and never silently the fallback token.
func TestStoreErrorsAreNotNotInstalled(t *testing.T) {
	boom := errors.New("database is down")
	r := &records{list: map[string][]slackapp.Installation{}, err: boom}
	s := newSource(t, teamchat.Options{Installations: r, FallbackToken: "xoxb-env"})
	_, err := s.ClientFor(context.Background(), "T1")
	if !errors.Is(err, boom) || errors.Is(err, slackbot.ErrNoChat) {
		t.Fatalf("err = %v", err)
	}
}

// A workspace of an Enterprise Grid org without a record of its own uses
// the org-wide install, stored under the enterprise id, of the
// organisation its events name; calls that name none (a command's
// ClientFor, a sweep) use the organisation its events named before.
func TestWorkspacesOfAnOrgUseItsOrgWideInstall(t *testing.T) {
	r := &records{list: map[string][]slackapp.Installation{}}
	r.set("E1", slackapp.Installation{ID: "E1", TeamID: "E1", EnterpriseID: "E1", EnterpriseInstall: true, BotToken: "xoxb-org", Active: true})
	r.set("T1", slackapp.Installation{ID: "T1", TeamID: "T1", EnterpriseID: "E1", BotToken: "xoxb-1", Active: true})
	s := newSource(t, teamchat.Options{Installations: r, FallbackToken: "xoxb-env"})
	at := func(team, enterprise string) slackbot.Chat {
		t.Helper()
		c, err := s.ChatFor(context.Background(), slackbot.Workspace{TeamID: team, EnterpriseID: enterprise})
		if err != nil {
			t.Fatalf("client of %s/%s: %v", enterprise, team, err)
		}
		return c
	}
	env := at("T9", "")
	if at("T3", "") != env {
		t.Fatal("a workspace whose events never named its organisation got the org-wide client")
	}
	own, org := at("T1", "E1"), at("T2", "E1")
	if own == org || org == env {
		t.Fatal("a workspace of the org did not get the org-wide client")
	}
	if at("T2", "") != org {
		t.Fatal("a call naming no organisation did not use the one the workspace's events named")
	}
	if _, err := s.ClientFor(context.Background(), "T2"); err != nil {
		t.Fatalf("a command's client in a workspace of the org: %v", err)
	}
	if at("T3", "E2") != env {
		t.Fatal("a workspace of an org without an install got something other than the fallback")
	}
	// The org uninstalled the app: its workspaces get no client, not the
	// fallback; the workspace with its own install keeps it.
	r.set("E1", slackapp.Installation{ID: "E1", TeamID: "E1", EnterpriseID: "E1", EnterpriseInstall: true, BotToken: "xoxb-org", Active: false})
	if _, err := s.ChatFor(context.Background(), slackbot.Workspace{TeamID: "T2", EnterpriseID: "E1"}); !errors.Is(err, slackbot.ErrNoChat) {
		t.Fatalf("workspace of an uninstalled org: err = %v", err)
	}
	if at("T1", "E1") != own {
		t.Fatal("the workspace's own install was not used")
	}
	// A record under the enterprise id that is not org-wide is no
	// workspace's but the enterprise's own.
	r.set("E1", slackapp.Installation{ID: "E1", TeamID: "E1", BotToken: "xoxb-e", Active: true})
	if at("T2", "E1") != env {
		t.Fatal("a record that is not org-wide was used for the org's workspaces")
	}
}

// The bot user of a workspace is the one its installation recorded; the
// fallback token's is left to the caller.
func TestBotUserOfEachWorkspace(t *testing.T) {
	r := &records{list: map[string][]slackapp.Installation{}}
	r.set("T2", slackapp.Installation{ID: "T2", TeamID: "T2", BotToken: "xoxb-2", BotUserID: "UBOT2", Active: true})
	r.set("T3", slackapp.Installation{ID: "T3", TeamID: "T3", BotToken: "xoxb-3", BotUserID: "UBOT3", Active: false})
	s := newSource(t, teamchat.Options{Installations: r, FallbackToken: "xoxb-env"})
	for team, want := range map[string]string{"T2": "UBOT2", "T9": ""} {
		if got, err := s.BotUserFor(context.Background(), slackbot.Workspace{TeamID: team}); err != nil || got != want {
			t.Errorf("bot user of %s = %q, %v; want %q", team, got, err, want)
		}
	}
	if _, err := s.BotUserFor(context.Background(), slackbot.Workspace{TeamID: "T3"}); !errors.Is(err, slackbot.ErrNoChat) {
		t.Errorf("bot user of an inactive team: err = %v", err)
	}
}
