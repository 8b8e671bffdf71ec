package approval

import "context"

// TryStart exposes the start of a request to the external tests, which
// use it to play a worker that counted a vote just before it was taken
// back.
func (a *Workflow) TryStart(ctx context.Context, id string) error {
	ar, err := a.opts.Store.Approval(ctx, id)
	if err != nil {
		return err
	}
	return a.tryStart(ctx, ar)
}
