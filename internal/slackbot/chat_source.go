package slackbot

import (
	"context"
	"errors"
)

// ErrNoChat says a workspace has no Slack client: the app is not (or no
// longer) installed there. Events of such a workspace are dropped, not
// retried.
var ErrNoChat = errors.New("no Slack client for this workspace")

// ChatSource picks the Slack client to answer a workspace with: each
// workspace that installed the app has its own bot token, and a token of
// one workspace cannot post in another's channels.
type ChatSource interface {
	// ChatFor returns the client for teamID; errors wrap ErrNoChat when
	// the app is not installed there.
	ChatFor(ctx context.Context, teamID string) (Chat, error)
}

// singleChat answers every workspace with one client: a single-token
// setup.
type singleChat struct{ chat Chat }

func (s singleChat) ChatFor(context.Context, string) (Chat, error) { return s.chat, nil }
