package channels

import "context"

// ArchiverSource gives the Slack client of a workspace: each workspace
// that installed the app has its own bot token, and one workspace's token
// cannot archive another's channels.
type ArchiverSource interface {
	ArchiverFor(ctx context.Context, teamID string) (Archiver, error)
}

// ArchiverSourceFunc adapts a function to ArchiverSource.
type ArchiverSourceFunc func(ctx context.Context, teamID string) (Archiver, error)

// ArchiverFor calls f.
func (f ArchiverSourceFunc) ArchiverFor(ctx context.Context, teamID string) (Archiver, error) {
	return f(ctx, teamID)
}

// oneArchiver answers every workspace with the same client.
type oneArchiver struct{ api Archiver }

func (o oneArchiver) ArchiverFor(context.Context, string) (Archiver, error) { return o.api, nil }
