package approval

import "context"

// ChatSource picks the Slack client of a request's workspace: each
// workspace that installed the app has its own bot token.
type ChatSource interface {
	// ChatFor returns the client for teamID; errors wrap
	// slackbot.ErrNoChat when the app is not installed there.
	ChatFor(ctx context.Context, teamID string) (Chat, error)
}

// ChatSourceFunc adapts a function to ChatSource.
type ChatSourceFunc func(ctx context.Context, teamID string) (Chat, error)

// ChatFor calls f.
func (f ChatSourceFunc) ChatFor(ctx context.Context, teamID string) (Chat, error) {
	return f(ctx, teamID)
}

// singleChat answers every workspace with one client: a single-token
// setup.
type singleChat struct{ chat Chat }

func (s singleChat) ChatFor(context.Context, string) (Chat, error) { return s.chat, nil }
