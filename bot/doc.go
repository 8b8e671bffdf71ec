// Package bot is the command framework a team codes its back-office
// commands against. A Command is a pattern with typed placeholders, a
// description for help, the permission a caller needs, the channels it
// runs in, how risky it is, an optional dry run and a handler:
//
//	bot.Command{
//		Pattern:     "set <subdomain> trial remaining to <days:int> days",
//		Description: "Put the account on an Enterprise trial for N days from now.",
//		Permission:  "EXTEND_TRIAL",
//		Risk:        bot.Sensitive,
//		Handler: func(ctx context.Context, req *bot.Request) error {
//			return req.Replyf(ctx, "%s: %d days", req.Args.String("subdomain"), req.Args.Int("days"))
//		},
//	}
//
// Give commands to package bastion (bastion.Commands) to build a bastion
// binary with them. Bastion then does the rest for every command alike:
// it receives Slack's events, matches messages to patterns (package
// pattern), lists commands in help with a mark for those the caller may
// run, checks Permission with the permission service on the channel the
// command is typed in (failing closed), collects the approvals Risk and
// Approvals ask for (showing the dry run), runs the handler at most once
// per message however often Slack delivers it, and records every
// invocation in the audit log.
//
// A handler replies in the message's thread with Request.Reply; an error
// it returns is shown to the caller and recorded. Handlers that quote what
// a person typed should pass it through Escape.
package bot
