// Package channels holds the Channels Admin back-office commands, which
// act on Slack channels through the Web API with the bot token of the
// workspace the command is typed in.
package channels

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion/bot"
)

// Archiver archives a Slack conversation by id; *slack.Client satisfies it.
type Archiver interface {
	ArchiveConversationContext(ctx context.Context, channelID string) error
}

// Commands returns the channel commands, calling Slack through api in
// every workspace (a single-token setup); CommandsFor picks a client per
// workspace. Channel restrictions are left to the caller (set Channels on
// the result).
//
// The router checks Permission on the channel the command is typed in;
// the dry run and the handler also ask auth for it on the channel named
// in the command, so a Channels Admin of one channel cannot archive
// another from there. Without auth every archive is refused.
func Commands(api Archiver, auth bot.Authorizer) []bot.Command {
	return CommandsFor(oneArchiver{api: api}, auth)
}

// CommandsFor is Commands calling Slack with the client apis gives for
// the workspace each command is typed in.
func CommandsFor(apis ArchiverSource, auth bot.Authorizer) []bot.Command {
	return []bot.Command{
		{
			Pattern:     "archive <channel:channel>",
			Description: "Archive a channel (Slack refuses the general channel).",
			Group:       "Channels",
			Permission:  "ARCHIVE_CHANNEL",
			Risk:        bot.Sensitive,
			DryRun: func(ctx context.Context, req *bot.Request) (string, error) {
				if err := mayArchive(ctx, auth, req); err != nil {
					return "", err
				}
				return fmt.Sprintf("Would archive <#%s>.", req.Args.String("channel")), nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				if err := mayArchive(ctx, auth, req); err != nil {
					return err
				}
				api, err := apis.ArchiverFor(ctx, req.TeamID)
				if err != nil {
					return fmt.Errorf("slack client of workspace %s: %w", req.TeamID, err)
				}
				return archive(ctx, api, req)
			},
		},
	}
}

// mayArchive asks the permission service whether the caller holds
// ARCHIVE_CHANNEL on the channel to archive, failing closed.
func mayArchive(ctx context.Context, auth bot.Authorizer, req *bot.Request) error {
	target := req.Args.String("channel")
	if auth == nil {
		return fmt.Errorf("no permission service to ask whether you may archive <#%s>", target)
	}
	d, err := auth.CheckPermission(ctx, req.TeamID, req.UserID, target, "ARCHIVE_CHANNEL")
	if err != nil {
		return fmt.Errorf("check ARCHIVE_CHANNEL on <#%s>: %w", target, err)
	}
	if !d.Allowed {
		return fmt.Errorf("you need ARCHIVE_CHANNEL on <#%s> itself to archive it. %s", target, d.Reason)
	}
	return nil
}
