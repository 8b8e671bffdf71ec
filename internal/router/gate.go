package router

import (
	"context"

	"github.com/bastionhq/bastion/bot"
)

// Gate takes over commands that need approvals: it posts the request for
// approval and later runs the command once enough people have approved.
// The approval workflow (internal/approval) is one; the router knows it
// only through this interface.
type Gate interface {
	// Submit opens an approval request for req and tells the thread who
	// must approve: the caller and Router.ApprovalsNeeded(req.Command)
	// other people. The command's handler must not run yet. An error is
	// shown in the thread and recorded as the invocation's result.
	Submit(ctx context.Context, req *bot.Request) error
}
