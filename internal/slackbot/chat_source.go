package slackbot

import (
	"context"
	"errors"
)

// ErrNoChat says a workspace has no Slack client: the app is not (or no
// longer) installed there. Events of such a workspace are dropped, not
// retried.
var ErrNoChat = errors.New("no Slack client for this workspace")

// Workspace says where an event came from, as the event says it: the
// workspace (team) and, for a workspace of an Enterprise Grid
// organisation, the organisation. A workspace without an installation of
// its own is answered through its organisation's org-wide installation,
// as Bolt's installation query does.
type Workspace struct {
	TeamID       string
	EnterpriseID string
}

// ChatSource picks the Slack client to answer a workspace with: each
// workspace that installed the app has its own bot token, and a token of
// one workspace cannot post in another's channels.
type ChatSource interface {
	// ChatFor returns the client for ws; errors wrap ErrNoChat when the
	// app is not installed there.
	ChatFor(ctx context.Context, ws Workspace) (Chat, error)
}

// singleChat answers every workspace with one client: a single-token
// setup.
type singleChat struct{ chat Chat }

func (s singleChat) ChatFor(context.Context, Workspace) (Chat, error) { return s.chat, nil }
