package bastion_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion"
	"github.com/bastionhq/bastion/bot"
)

// A binary built with Main has every subcommand of the stock one.
func TestRunHasEverySubcommand(t *testing.T) {
	var out bytes.Buffer
	if code := bastion.Run(context.Background(), []string{"--help"}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("--help: exit %d\n%s", code, out.String())
	}
	for _, sub := range []string{"serve", "dev", "shell", "check", "roles", "approvals", "slack", "assign", "audit", "gen", "demo-data"} {
		if !strings.Contains(out.String(), "\n  "+sub+" ") {
			t.Errorf("help lacks %s:\n%s", sub, out.String())
		}
	}
}

// An invalid command stops the binary from starting, naming the command.
func TestRunRefusesAnInvalidCommand(t *testing.T) {
	var out bytes.Buffer
	bad := bot.Command{Pattern: "whoami", Description: "Clash with a built-in command.", Handler: func(context.Context, *bot.Request) error { return nil }}
	code := bastion.Run(context.Background(), []string{"--db", t.TempDir() + "/b.db", "shell"}, strings.NewReader(""), &out, &out, bastion.Commands(bad))
	if code != 2 || !strings.Contains(out.String(), `"whoami"`) {
		t.Fatalf("exit %d, %q; want 2 naming the command", code, out.String())
	}
}
