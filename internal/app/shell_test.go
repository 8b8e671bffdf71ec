package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/sqlite"
)

// shell runs the shell with opts on dbPath as user in channel of T1, fed
// input, and returns what it printed.
func shell(t *testing.T, dbPath string, opts Options, o ShellOptions, input string) string {
	t.Helper()
	cfg := config.Default()
	cfg.DB = dbPath
	var out bytes.Buffer
	if o.TeamID == "" {
		o.TeamID = "T1"
	}
	if err := Shell(context.Background(), cfg, opts, IO{Stdin: strings.NewReader(input), Stdout: &out, Stderr: &out}, o); err != nil {
		t.Fatalf("shell: %v\n%s", err, out.String())
	}
	return out.String()
}

func TestShellRunsCommandsAndAudits(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "shell.db")
	got := shell(t, dbPath, exampleOptions, ShellOptions{UserID: "U9", ChannelID: "C7", AllowAll: true},
		"help\nset acme trial remaining to 5 days\nshow account acme\nset acme trial remaining to x days\n")
	for _, want := range []string{"Accounts\n", "Permissions\n", "acme is on an Enterprise trial until", "acme: plan enterprise", "Usage:"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := botsql.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := store.RecentInvocations(context.Background(), "T1", 10)
	if err != nil || len(invs) != 4 || invs[0].UserID != "U9" || invs[0].ChannelID != "C7" {
		t.Fatalf("audit = %+v, %v", invs, err)
	}
}

func TestShellAsksThePermissionEngine(t *testing.T) {
	db := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db")).DB
	for _, tc := range []struct {
		user, channel, want string
	}{
		{"UOPS", "C2", "acme is on an Enterprise trial until"},
		{"UMEMBER", "C2", "Denied"},
		{"UOPS", "C1", "Denied"},
		{"UOPS", "C404", "permission service is unavailable"},
	} {
		got := shell(t, db, exampleOptions, ShellOptions{UserID: tc.user, ChannelID: tc.channel}, "set acme trial remaining to 5 days\n")
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s in %s: output lacks %q:\n%s", tc.user, tc.channel, tc.want, got)
		}
	}
}

// The stock binary's shell has the built-in commands and no example.
func TestShellOfTheStockBinaryHasNoExampleCommands(t *testing.T) {
	db := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db")).DB
	got := shell(t, db, Options{}, ShellOptions{UserID: "UOPS", ChannelID: "C2"}, "help\nshow account acme\n")
	if !strings.Contains(got, "`whoami`") || strings.Contains(got, "Accounts") || !strings.Contains(got, "I don't know `show account acme`") {
		t.Fatalf("stock shell:\n%s", got)
	}
}

// nameDemoUsers gives the demo users of T1 their names in the directory,
// as bastion dev does from the sandbox.
func nameDemoUsers(t *testing.T, dbPath string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir, err := namesql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var entries []names.Entry
	for _, u := range demo.Users() {
		entries = append(entries, names.Entry{Kind: names.User, ID: u.ID, Name: realName(u.Name), Handle: u.Name, TeamID: u.Team, Source: names.FromSandbox})
	}
	for _, c := range demo.Channels() {
		entries = append(entries, names.Entry{Kind: names.Channel, ID: c.ID, Name: c.Name, TeamID: c.Team, Source: names.FromSandbox})
	}
	if _, err := dir.Learn(ctx, entries); err != nil {
		t.Fatal(err)
	}
}

// The shell is the bot of Slack over a terminal: the built-in commands
// (approvals among them), a request for approval approved by reactions
// typed as two people, and output rendered as plain text.
func TestShellRunsTheWholeBotWithApprovalsBySwitchingUsers(t *testing.T) {
	dbPath := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db")).DB
	nameDemoUsers(t, dbPath)
	got := shell(t, dbPath, exampleOptions, ShellOptions{UserID: "UADMIN", ChannelID: "C2"}, strings.Join([]string{
		"help",
		"whoami",
		"set plan of globex to pro",
		"/react ✅",
		"approvals",
		"/as @abe",
		"/who",
		"/react :white_check_mark:",
		"show account globex",
		"/as @nobody-here",
		"/in #general",
		"/react ✅",
		"who can ARCHIVE_CHANNEL in #backoffice",
		"/bogus",
	}, "\n")+"\n")
	for _, want := range []string{
		"bastion: Commands you can use here", "`approvals`", "`whoami`", "Accounts\n", // help, with bold rendered plain
		"bastion: You are @ada-admin, an admin in workspace", // whoami, mentions by name
		"bastion: Approval needed for `set plan of globex to pro`, asked by @ada-admin",
		"│ Would move globex from", // the dry run quoted
		"bastion (edited): Approval needed", "1 of 2 approvals so far: @ada-admin.",
		"bastion: Waiting for approvals here:\n  • ", "`set plan of globex to pro` asked by @ada-admin: caller's approval given, others 0 of 1", // approvals lists it
		"You are abe-admin (UADMIN2) now.",
		"You are abe-admin (UADMIN2) in #backoffice (C2)",
		"bastion: Approved by @ada-admin, @abe-admin. Running `set plan of globex to pro`.",
		"globex: plan pro",
		`shell: nobody in T1 is called "nobody-here"`,
		"You are in #general (C1) now.",
		"shell: the bot has posted nothing in #general to react to yet",
		"bastion: 1 member(s) can ARCHIVE_CHANNEL on #backoffice through their roles: @carl-channels-admin.", // #backoffice typed, a channel link sent
		"shell: no shell command /bogus; /help lists them",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, raw := range []string{"<@", "<#", "*Accounts*", ":white_check_mark:"} {
		if strings.Contains(got, raw) {
			t.Errorf("output shows raw mrkdwn %q", raw)
		}
	}
	if n := strings.Count(got, "bastion: globex is now on pro"); n != 1 {
		t.Errorf("the approved command ran %d times", n)
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
}
