package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqlite"
)

func TestShellRunsCommandsAndAudits(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "shell.db")
	var out bytes.Buffer
	a := &app{dbURL: dbPath, stdout: &out, stderr: &out,
		stdin: strings.NewReader("help\nset acme trial remaining to 5 days\nshow account acme\nset acme trial remaining to x days\n")}
	cmd := newShellCmd(a)
	cmd.SetArgs([]string{"--user", "U9", "--channel", "C7", "--allow-all"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"*Accounts*", "acme is on an Enterprise trial until", "acme: plan enterprise", "Usage:"} {
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
	db := demoDB(t)
	for _, tc := range []struct {
		user, channel, want string
	}{
		{"UOPS", "C2", "acme is on an Enterprise trial until"},
		{"UMEMBER", "C2", "Denied"},
		{"UOPS", "C1", "Denied"},
		{"UOPS", "C404", "permission service is unavailable"},
	} {
		var out bytes.Buffer
		a := &app{dbURL: db, stdout: &out, stderr: &out, stdin: strings.NewReader("set acme trial remaining to 5 days\n")}
		cmd := newShellCmd(a)
		cmd.SetArgs([]string{"--team", "T1", "--user", tc.user, "--channel", tc.channel})
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%s in %s: output lacks %q:\n%s", tc.user, tc.channel, tc.want, out.String())
		}
	}
}
