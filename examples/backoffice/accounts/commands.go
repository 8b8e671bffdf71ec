package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/bot"
)

// Commands returns the back-office commands over the accounts database.
// Channel restrictions are left to the caller (set Channels on the result).
func Commands(a *DB) []bot.Command {
	return []bot.Command{
		{
			Pattern:     "show account <subdomain>",
			Description: "Show an account's plan, trial and users.",
			Group:       "Accounts",
			Permission:  "VIEW_ACCOUNT",
			Handler: func(ctx context.Context, req *bot.Request) error {
				acc, err := a.Account(ctx, req.Args.String("subdomain"))
				if err != nil {
					return err
				}
				trial := "no trial"
				if !acc.TrialEnds.IsZero() {
					trial = "trial ends " + acc.TrialEnds.UTC().Format("2006-01-02")
				}
				return req.Replyf(ctx, "%s: plan %s, %s, %d users (%d active)", acc.Subdomain, acc.Plan, trial, acc.Users, acc.ActiveUser)
			},
		},
		{
			Pattern:     "set <subdomain> trial remaining to <days:int> days",
			Description: "Put the account on an Enterprise trial for N days from now.",
			Group:       "Accounts",
			Permission:  "EXTEND_TRIAL",
			Handler: func(ctx context.Context, req *bot.Request) error {
				days := req.Args.Int("days")
				if days < 1 || days > 90 {
					return fmt.Errorf("days must be between 1 and 90, not %d", days)
				}
				ends, err := a.SetTrial(ctx, req.Args.String("subdomain"), days)
				if err != nil {
					return err
				}
				return req.Replyf(ctx, "%s is on an Enterprise trial until %s.", req.Args.String("subdomain"), ends.UTC().Format("2006-01-02"))
			},
		},
		{
			Pattern:     "set plan of <subdomain> to <plan>",
			Description: "Change an account's plan (" + strings.Join(Plans, ", ") + ").",
			Group:       "Accounts",
			Permission:  "SET_PLAN",
			Risk:        bot.Sensitive,
			DryRun: func(ctx context.Context, req *bot.Request) (string, error) {
				acc, err := a.Account(ctx, req.Args.String("subdomain"))
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("Would move %s from %s to %s and end any trial.", acc.Subdomain, acc.Plan, strings.ToLower(req.Args.String("plan"))), nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				plan := strings.ToLower(req.Args.String("plan"))
				if !slices.Contains(Plans, plan) {
					return fmt.Errorf("unknown plan %q (want %s)", plan, strings.Join(Plans, ", "))
				}
				if err := a.SetPlan(ctx, req.Args.String("subdomain"), plan); err != nil {
					return err
				}
				return req.Replyf(ctx, "%s is now on %s.", req.Args.String("subdomain"), plan)
			},
		},
		{
			Pattern:     "disable user <email>",
			Description: "Stop a user from signing in.",
			Group:       "Users",
			Permission:  "DISABLE_USER",
			Risk:        bot.Sensitive,
			DryRun: func(ctx context.Context, req *bot.Request) (string, error) {
				u, err := a.User(ctx, slackEmail(req.Args.String("email")))
				if err != nil {
					return "", err
				}
				if u.Disabled {
					return fmt.Sprintf("%s (account %s) is already disabled: running it changes nothing.", u.Email, u.Subdomain), nil
				}
				return fmt.Sprintf("Would stop %s (account %s) from signing in.", u.Email, u.Subdomain), nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				email := slackEmail(req.Args.String("email"))
				if err := a.DisableUser(ctx, email); err != nil {
					return err
				}
				return req.Replyf(ctx, "%s is disabled.", email)
			},
		},
	}
}

// slackEmail undoes Slack's auto-linking of addresses: <mailto:a@b|a@b>.
func slackEmail(s string) string {
	if strings.HasPrefix(s, "<mailto:") && strings.HasSuffix(s, ">") {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "<mailto:"), ">")
		if _, label, ok := strings.Cut(s, "|"); ok {
			return label
		}
	}
	return s
}
