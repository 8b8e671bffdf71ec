package accounts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

type out struct{ text []string }

func (o *out) Reply(_ context.Context, s string) error { o.text = append(o.text, s); return nil }

func TestCommandsReachTheAccountsDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		a, err := Open(ctx, db, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		allowAll := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
			return bot.Decision{Allowed: true}, nil
		})
		r := bot.NewRouter(bot.RouterOptions{Authorizer: allowAll})
		if err := r.Register(Commands(a)...); err != nil {
			t.Fatal(err)
		}
		run := func(text string) string {
			o := &out{}
			r.Handle(ctx, bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: text, TS: "1.1"}, o)
			return strings.Join(o.text, "\n")
		}
		if got := run("set acme trial remaining to 14 days"); got != "acme is on an Enterprise trial until 2026-03-15." {
			t.Fatalf("extend: %q", got)
		}
		if got := run("disable user <mailto:bob@acme.test|bob@acme.test>"); got != "bob@acme.test is disabled." {
			t.Fatalf("disable: %q", got)
		}
		if got := run("show account acme"); got != "acme: plan enterprise, trial ends 2026-03-15, 2 users (1 active)" {
			t.Fatalf("show: %q", got)
		}
		if got := run("set plan of globex to platinum"); !strings.Contains(got, `unknown plan "platinum"`) {
			t.Fatalf("bad plan: %q", got)
		}
		if got := run("set plan of nosuch to pro"); !strings.Contains(got, "not found") {
			t.Fatalf("unknown account: %q", got)
		}
		if got := run("set acme trial remaining to 400 days"); !strings.Contains(got, "between 1 and 90") {
			t.Fatalf("range: %q", got)
		}
	})
}
