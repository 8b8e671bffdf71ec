package access

import (
	"context"
	"errors"

	"github.com/bastionhq/bastion/internal/slackbot"
)

// ChainActions hands every button click to each hook in turn (each
// ignores the buttons it does not own), so a worker's single ActionHook
// serves approvals and the Extend button alike. The errors of all hooks
// are joined.
func ChainActions(hooks ...slackbot.ActionHook) slackbot.ActionHook { return chain(hooks) }

type chain []slackbot.ActionHook

func (c chain) HandleAction(ctx context.Context, ev slackbot.ActionEvent) error {
	var errs []error
	for _, h := range c {
		if h != nil {
			errs = append(errs, h.HandleAction(ctx, ev))
		}
	}
	return errors.Join(errs...)
}
