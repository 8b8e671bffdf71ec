// Package channels holds the Channels Admin back-office commands, which
// act on Slack channels through the Web API with the bot's token.
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

// Commands returns the channel commands, calling Slack through api.
// Channel restrictions are left to the caller (set Channels on the result).
//
// The router checks Permission on the channel the command is typed in,
// not on the channel named in it.
func Commands(api Archiver) []bot.Command {
	return []bot.Command{
		{
			Pattern:     "archive <channel:channel>",
			Description: "Archive a channel (Slack refuses the general channel).",
			Group:       "Channels",
			Permission:  "ARCHIVE_CHANNEL",
			Risk:        bot.Sensitive,
			DryRun: func(_ context.Context, req *bot.Request) (string, error) {
				return fmt.Sprintf("Would archive <#%s>.", req.Args.String("channel")), nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				return archive(ctx, api, req)
			},
		},
	}
}
