package accounts

import (
	"context"
	"github.com/bastionhq/bastion/internal/router"
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
		// Handlers only: no command waits for approvals here (the approval
		// flow is tested in internal/approval).
		r := router.New(router.Options{Authorizer: allowAll, Risk: &router.RiskPolicy{}})
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

// Changing a plan or disabling a user is rated Sensitive, and the dry run
// describes the change from the database without making it.
func TestRiskyCommandsDescribeTheirEffect(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	a, err := Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	r := router.New(router.Options{})
	if err := r.Register(Commands(a)...); err != nil {
		t.Fatal(err)
	}
	dry := map[string]string{
		"disable user ann@acme.test": "Would stop ann@acme.test (account acme) from signing in.",
		"set plan of globex to Pro":  "Would move globex from free to pro and end any trial.",
		"disable user nobody@x.test": "not found",
		"set plan of nosuch to pro":  "not found",
	}
	for text, want := range dry {
		req, err := r.Resolve(bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: text}, &out{})
		if err != nil {
			t.Fatal(err)
		}
		if n := r.ApprovalsNeeded(req.Command); n != 1 {
			t.Errorf("%q needs %d approvals, want 1 (Sensitive)", text, n)
		}
		got, err := req.Command.DryRun(ctx, req)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, want) {
			t.Errorf("dry run of %q = %q, want %q", text, got, want)
		}
	}
	if u, err := a.User(ctx, "ann@acme.test"); err != nil || u.Disabled {
		t.Fatalf("a dry run changed the user: %+v, %v", u, err)
	}
}

// An update that changes nothing (the row already holds the values) is a
// success on every store, and only a missing key is "not found": MySQL
// reports changed rows unless the connection asks for found rows, and
// then a second "disable user" answered "not found" after its dry run
// said running it changes nothing.
func TestUpdatesThatChangeNothingSucceed(t *testing.T) {
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
		r := router.New(router.Options{Authorizer: allowAll, Risk: &router.RiskPolicy{}})
		if err := r.Register(Commands(a)...); err != nil {
			t.Fatal(err)
		}
		run := func(text string) string {
			o := &out{}
			r.Handle(ctx, bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: text, TS: "1.1"}, o)
			return strings.Join(o.text, "\n")
		}
		for range 2 {
			if got := run("disable user bob@acme.test"); got != "bob@acme.test is disabled." {
				t.Fatalf("disable: %q", got)
			}
			if got := run("set plan of globex to pro"); got != "globex is now on pro." {
				t.Fatalf("set plan: %q", got)
			}
			if got := run("set acme trial remaining to 14 days"); got != "acme is on an Enterprise trial until 2026-03-15." {
				t.Fatalf("extend: %q", got)
			}
		}
		req, err := r.Resolve(bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "disable user bob@acme.test"}, &out{})
		if err != nil {
			t.Fatal(err)
		}
		if dry, err := req.Command.DryRun(ctx, req); err != nil || !strings.Contains(dry, "changes nothing") {
			t.Fatalf("dry run of a disabled user: %q, %v", dry, err)
		}
		if got := run("disable user nobody@acme.test"); !strings.Contains(got, "not found") {
			t.Fatalf("unknown user: %q", got)
		}
	})
}
