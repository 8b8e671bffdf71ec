package bot_test

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/pattern"
)

// printer is a Responder that prints replies, as a test of a handler
// would record them.
type printer struct{}

func (printer) Reply(_ context.Context, text string) error {
	fmt.Println(text)
	return nil
}

// A command with typed placeholders, a permission, a risk level and a dry
// run, and a check of it before it is registered.
func ExampleCommand() {
	extend := bot.Command{
		Pattern:     "set <subdomain> trial remaining to <days:int> days",
		Description: "Put the account on an Enterprise trial for N days from now.",
		Group:       "Accounts",
		Channels:    []string{"C0BACKOFFICE"},
		Permission:  "EXTEND_TRIAL",
		Risk:        bot.Sensitive, // one approval besides the caller's, by default
		DryRun: func(ctx context.Context, req *bot.Request) (string, error) {
			return fmt.Sprintf("Would end %s's trial in %d days.", req.Args.String("subdomain"), req.Args.Int("days")), nil
		},
		Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Replyf(ctx, "%s is on a trial for %d days.", req.Args.String("subdomain"), req.Args.Int("days"))
		},
	}
	fmt.Println(extend.Usage(), extend.Validate())
	fmt.Println(extend.AllowedIn("C0BACKOFFICE"), extend.AllowedIn("C0GENERAL"))
	// Output:
	// set <subdomain> trial remaining to <days:int> days <nil>
	// true false
}

// Validate says what registering a command would refuse.
func ExampleCommand_Validate() {
	broken := bot.Command{Pattern: "refund <amount:money>", Description: "Refund.", Handler: func(context.Context, *bot.Request) error { return nil }}
	fmt.Println(broken.Validate())
	noHelp := bot.Command{Pattern: "refund <invoice>", Handler: func(context.Context, *bot.Request) error { return nil }}
	fmt.Println(noHelp.Validate())
	// Output:
	// pattern "refund <amount:money>": placeholder <amount:money>: unknown type "money" (want word, int, duration, user, channel or text)
	// no description: help needs one
}

// A handler is tested without Slack: NewRequest hands it a message and
// the values its pattern matched.
func ExampleNewRequest() {
	greet := bot.Command{
		Pattern:     "greet <who:user>",
		Description: "Say hello to someone.",
		Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Replyf(ctx, "Hello <@%s>, from <@%s>.", req.Args.String("who"), req.UserID)
		},
	}
	p := pattern.MustCompile(greet.Pattern)
	args, _, _ := p.Match("greet <@U2>")
	msg := bot.Message{TeamID: "T1", ChannelID: "C1", UserID: "U1", Text: "greet <@U2>", TS: "1.1", ThreadTS: "1.1"}
	if err := greet.Handler(context.Background(), bot.NewRequest(msg, &greet, args, printer{})); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Hello <@U2>, from <@U1>.
}

// Escape quotes what a person typed without letting it mention anyone,
// writing channel links and mentions as the reader saw them.
func ExampleEscape() {
	fmt.Println(bot.Escape("<!channel> `rm -rf` & <@U1|mia> in <#C4|support>"))
	// Output:
	// @channel 'rm -rf' &amp; @mia in #support
}

// AuthorizerFunc makes a function an Authorizer, e.g. in a command's
// tests.
func ExampleAuthorizerFunc() {
	onlyOps := bot.AuthorizerFunc(func(_ context.Context, _, userID, _, permission string) (bot.Decision, error) {
		if userID == "UOPS" {
			return bot.Decision{Allowed: true, Reason: "UOPS runs the back office"}, nil
		}
		return bot.Decision{Reason: "only UOPS may use " + permission}, nil
	})
	d, _ := onlyOps.CheckPermission(context.Background(), "T1", "U1", "C1", "EXTEND_TRIAL")
	fmt.Println(d.Allowed, d.Reason)
	// Output:
	// false only UOPS may use EXTEND_TRIAL
}
