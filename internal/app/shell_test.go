package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/store/botsql"
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
	for _, want := range []string{"*Accounts*", "*Permissions*", "acme is on an Enterprise trial until", "acme: plan enterprise", "Usage:"} {
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
