package channels

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/bot"
)

// archive archives the channel named in req and replies with the outcome.
// A channel that is already archived is reported, not treated as a failure.
func archive(ctx context.Context, api Archiver, req *bot.Request) error {
	id := req.Args.String("channel")
	err := api.ArchiveConversationContext(ctx, id)
	if err == nil {
		return req.Replyf(ctx, "Archived <#%s>.", id)
	}
	if slackCode(err) == "already_archived" {
		return req.Replyf(ctx, "<#%s> is already archived; nothing changed.", id)
	}
	return fmt.Errorf("archive <#%s>: %w", id, explain(err))
}

// explain puts Slack's error codes for conversations.archive into words,
// keeping err in the chain (and its code in the text).
func explain(err error) error {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return err
	}
	var why string
	switch se.Err {
	case "cant_archive_general":
		why = "Slack never archives the workspace's general channel"
	case "channel_not_found":
		why = "Slack has no such channel, or the bot cannot see it"
	case "method_not_supported_for_channel_type":
		why = "only public and private channels can be archived"
	case "not_in_channel":
		why = "the bot must be a member of the channel; invite it first"
	case "restricted_action":
		why = "the workspace's settings do not let the bot archive channels"
	case "missing_scope":
		// Slack lists the scopes any one of which would do.
		needed := strings.ReplaceAll(se.Needed, ",", " or ")
		if needed == "" {
			needed = "channels:manage or groups:write"
		}
		why = fmt.Sprintf("the Slack app lacks the %s scope; reinstall it to grant channel management", needed)
	default:
		return err
	}
	return fmt.Errorf("%s (%w)", why, err)
}

// slackCode is Slack's error code in err, or "" when err is not a Slack
// error answer.
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
