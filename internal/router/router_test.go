package router

import (
	"github.com/bastionhq/bastion/bot"

	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// mapAuthorizer stands in for the permission service, which is a separate
// component: it grants permission p to user u in channel c when the key
// "u/c/p" is present.
type mapAuthorizer struct {
	mu     sync.Mutex
	grants map[string]bool
	down   bool
}

func (a *mapAuthorizer) CheckPermission(_ context.Context, teamID, userID, channelID, permission string) (bot.Decision, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return bot.Decision{}, errors.New("connection refused")
	}
	if a.grants[userID+"/"+channelID+"/"+permission] {
		return bot.Decision{Allowed: true, Reason: "granted in test"}, nil
	}
	return bot.Decision{Reason: "no role grants " + permission}, nil
}

// replies collects what the bot says.
type replies struct {
	mu   sync.Mutex
	text []string
}

func (r *replies) Reply(_ context.Context, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.text = append(r.text, text)
	return nil
}

func (r *replies) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.text) == 0 {
		return ""
	}
	return r.text[len(r.text)-1]
}

func testRouter(t *testing.T, auth bot.Authorizer, ran *[]string) *Router {
	t.Helper()
	r := New(Options{Authorizer: auth})
	record := func(ctx context.Context, req *bot.Request) error {
		*ran = append(*ran, req.Command.Pattern)
		return req.Replyf(ctx, "done %s %d", req.Args.String("subdomain"), req.Args.Int("days"))
	}
	err := r.Register(
		bot.Command{Pattern: "show account <subdomain>", Description: "Show an account.", Group: "Accounts", Handler: record},
		bot.Command{Pattern: "set <subdomain> trial remaining to <days:int> days", Description: "Extend a trial.", Group: "Accounts",
			Channels: []string{"CBACK"}, Permission: "EXTEND_TRIAL", Handler: record},
		bot.Command{Pattern: "disable user <u:user>", Description: "Disable a user.", Group: "Users", Permission: "DISABLE_USER", Handler: record},
		bot.Command{Pattern: "delete account <subdomain>", Description: "Delete an account.", Group: "Accounts", Permission: "DELETE", Approvals: 1, Handler: record},
		bot.Command{Pattern: "crash", Description: "Panics.", Handler: func(context.Context, *bot.Request) error { panic("boom") }},
	)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func msg(channel, user, text string) bot.Message {
	return bot.Message{TeamID: "T1", ChannelID: channel, UserID: user, Text: text, TS: "1.1", ThreadTS: "1.1"}
}

func TestRouterRunsAuthorizedCommand(t *testing.T) {
	var ran []string
	auth := &mapAuthorizer{grants: map[string]bool{"U1/CBACK/EXTEND_TRIAL": true}}
	r := testRouter(t, auth, &ran)
	out := &replies{}
	inv := r.Handle(context.Background(), msg("CBACK", "U1", "set acme trial remaining to 14 days"), out)
	if inv.Verdict != Ran || inv.Result != "ok" || len(ran) != 1 || out.last() != "done acme 14" {
		t.Fatalf("inv=%+v ran=%v reply=%q", inv, ran, out.last())
	}
	if inv.Command != "set <subdomain> trial remaining to <days:int> days" || inv.Reason != "granted in test" {
		t.Fatalf("audit record = %+v", inv)
	}
}

func TestRouterLayeredDenials(t *testing.T) {
	var ran []string
	auth := &mapAuthorizer{grants: map[string]bool{"U1/CBACK/EXTEND_TRIAL": true}}
	r := testRouter(t, auth, &ran)
	ctx := context.Background()
	cases := []struct {
		channel, user, text, want string
	}{
		{"COTHER", "U1", "set acme trial remaining to 3 days", "not available in this channel. It works in <#CBACK>"},
		{"CBACK", "U2", "set acme trial remaining to 3 days", "no role grants EXTEND_TRIAL"},
		{"CBACK", "U1", "delete account acme", "you need DELETE"},
	}
	for _, c := range cases {
		out := &replies{}
		inv := r.Handle(ctx, msg(c.channel, c.user, c.text), out)
		if inv.Verdict != Denied || !strings.Contains(out.last(), c.want) {
			t.Errorf("%s: verdict=%s reply=%q, want denial containing %q", c.text, inv.Verdict, out.last(), c.want)
		}
	}
	auth.grants["U1/CBACK/DELETE"] = true
	out := &replies{}
	inv := r.Handle(ctx, msg("CBACK", "U1", "delete account acme"), out)
	if inv.Verdict != Denied || !strings.Contains(out.last(), "approvals are not enabled") {
		t.Errorf("approval command without gate: %+v %q", inv, out.last())
	}
	auth.down = true
	inv = r.Handle(ctx, msg("CBACK", "U1", "set acme trial remaining to 3 days"), out)
	if inv.Verdict != Denied || !strings.Contains(out.last(), "permission service is unavailable") || !strings.Contains(inv.Reason, "connection refused") {
		t.Errorf("service down: %+v %q", inv, out.last())
	}
	if len(ran) != 0 {
		t.Fatalf("handlers ran: %v", ran)
	}
}

func TestRouterUsageAndUnknown(t *testing.T) {
	var ran []string
	r := testRouter(t, &mapAuthorizer{}, &ran)
	out := &replies{}
	inv := r.Handle(context.Background(), msg("CBACK", "U1", "set acme trial remaining to lots days"), out)
	if inv.Verdict != Usage || !strings.Contains(out.last(), "`set <subdomain> trial remaining to <days:int> days`") {
		t.Fatalf("near miss: %+v %q", inv, out.last())
	}
	inv = r.Handle(context.Background(), msg("CBACK", "U1", "disable user bob"), out)
	if inv.Verdict != Usage || !strings.Contains(out.last(), "disable user <u:user>") {
		t.Fatalf("near miss on mention: %+v %q", inv, out.last())
	}
	inv = r.Handle(context.Background(), msg("CBACK", "U1", "make coffee <!channel>"), out)
	if inv.Verdict != Unknown || !strings.Contains(out.last(), "I don't know `make coffee @channel`") {
		t.Fatalf("unknown: %+v %q", inv, out.last())
	}
	inv = r.Handle(context.Background(), msg("CBACK", "U1", "crash"), out)
	if inv.Verdict != Ran || !strings.Contains(inv.Result, "panicked: boom") {
		t.Fatalf("panic: %+v", inv)
	}
}

func TestHelpListsOnlyThisChannelAndMarksPermissions(t *testing.T) {
	var ran []string
	auth := &mapAuthorizer{grants: map[string]bool{"U1/CBACK/EXTEND_TRIAL": true}}
	r := testRouter(t, auth, &ran)
	out := &replies{}
	r.Handle(context.Background(), msg("CBACK", "U1", "help"), out)
	h := out.last()
	for _, want := range []string{"*Accounts*", "*Users*", "*Help*", "✓ `set <subdomain> trial remaining to <days:int> days`", "✗ `disable user <u:user>`", "✓ `show account <subdomain>`", "(needs 1 approval(s))"} {
		if !strings.Contains(h, want) {
			t.Errorf("help in CBACK lacks %q:\n%s", want, h)
		}
	}
	if strings.Index(h, "*Accounts*") > strings.Index(h, "*Users*") {
		t.Errorf("groups not sorted:\n%s", h)
	}
	r.Handle(context.Background(), msg("COTHER", "U1", "help"), out)
	if strings.Contains(out.last(), "trial") {
		t.Errorf("help in COTHER lists a CBACK-only command:\n%s", out.last())
	}
	auth.down = true
	r.Handle(context.Background(), msg("CBACK", "U1", "help"), out)
	if !strings.Contains(out.last(), "? `disable user") {
		t.Errorf("help with the service down should mark ?:\n%s", out.last())
	}
}

func TestHelpOneCommand(t *testing.T) {
	var ran []string
	r := testRouter(t, &mapAuthorizer{}, &ran)
	out := &replies{}
	r.Handle(context.Background(), msg("CBACK", "U1", "help set"), out)
	if !strings.Contains(out.last(), "Extend a trial.") || !strings.Contains(out.last(), "Needs permission EXTEND_TRIAL: you do not have it here.") || !strings.Contains(out.last(), "Available in <#CBACK>") {
		t.Fatalf("help set:\n%s", out.last())
	}
	r.Handle(context.Background(), msg("COTHER", "U1", "help set"), out)
	if !strings.Contains(out.last(), "No command available here") {
		t.Fatalf("help set elsewhere:\n%s", out.last())
	}
	r.Handle(context.Background(), msg("CBACK", "U1", "help show account acme"), out)
	if !strings.Contains(out.last(), "Show an account.") {
		t.Fatalf("help with a full message:\n%s", out.last())
	}
}

func TestRegisterRejectsBadCommands(t *testing.T) {
	noop := func(context.Context, *bot.Request) error { return nil }
	cases := map[string]bot.Command{
		"no handler":         {Pattern: "a", Description: "x"},
		"no description":     {Pattern: "a", Handler: noop},
		"negative":           {Pattern: "a", Description: "x", Approvals: -1, Handler: noop},
		"not a channel id":   {Pattern: "a", Description: "x", Channels: []string{"#ops"}, Handler: noop},
		"appears twice":      {Pattern: "a <x> <x>", Description: "x", Handler: noop},
		"same messages":      {Pattern: "HELP", Description: "x", Handler: noop},
		"permission \"A B\"": {Pattern: "a", Description: "x", Permission: "A B", Handler: noop},
	}
	for want, c := range cases {
		r := New(Options{})
		if err := r.Register(c); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Register(%+v) = %v, want %q", c.Pattern, err, want)
		}
	}
}

// A usage error says which word does not fit and how to read more; a
// misspelled command name gets the commands it is close to.
func TestRouterExplainsUsageAndSuggestsCommands(t *testing.T) {
	var ran []string
	r := testRouter(t, &mapAuthorizer{}, &ran)
	ctx := context.Background()
	for _, tc := range []struct {
		channel, text string
		verdict       Verdict
		want          []string
	}{
		{"CBACK", "set acme trial remaining to x days", Usage, []string{"That does not fit `set <subdomain> trial remaining to <days:int> days`: `<days:int>` must be a whole number, not `x`.",
			"Usage:\n• `set <subdomain> trial remaining to <days:int> days`: Extend a trial.", "Say `help set` for more."}},
		{"CBACK", "disable user", Usage, []string{"`<u:user>` is missing at the end"}},
		{"CBACK", "disable user bob", Usage, []string{"`<u:user>` must be a person, mentioned as @name, not `bob`"}},
		{"CBACK", "shwo account acme", Unknown, []string{"I don't know `shwo account acme`. Did you mean `show account <subdomain>`?"}},
		{"CBACK", "hlep", Unknown, []string{"Did you mean `help`?"}},
		{"CBACK", "disabel usr <@U2>", Unknown, []string{"Did you mean `disable user <u:user>`?"}},
		{"CBACK", "make coffee", Unknown, []string{"I don't know `make coffee`. Say `help`"}},
		// A command not available in this channel is not suggested.
		{"COTHER", "sett acme trial remaining to 3 days", Unknown, []string{"I don't know `sett acme trial remaining to 3 days`. Say `help`"}},
	} {
		out := &replies{}
		inv := r.Handle(ctx, msg(tc.channel, "U1", tc.text), out)
		if inv.Verdict != tc.verdict {
			t.Errorf("%q: verdict %s, want %s", tc.text, inv.Verdict, tc.verdict)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.last(), w) {
				t.Errorf("%q: reply lacks %q:\n%s", tc.text, w, out.last())
			}
		}
	}
	if len(ran) != 0 {
		t.Fatalf("ran %v", ran)
	}
}
