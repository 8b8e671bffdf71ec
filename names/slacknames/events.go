package slacknames

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/names"
)

// UserChanged learns the name a user_change event carries.
func (f *Filler) UserChanged(ctx context.Context, teamID string, u slack.User) error {
	return f.learn(ctx, userEntry(teamID, u))
}

// ChannelRenamed learns the name a channel_rename or group_rename event
// carries.
func (f *Filler) ChannelRenamed(ctx context.Context, teamID, channelID, name string) error {
	return f.learn(ctx, names.Entry{Kind: names.Channel, ID: channelID, Name: names.Clean(name), TeamID: teamID, Source: names.FromSlack})
}

// TeamRenamed learns the name a team_rename event carries.
func (f *Filler) TeamRenamed(ctx context.Context, teamID, name string) error {
	return f.learn(ctx, names.Entry{Kind: names.Team, ID: teamID, Name: names.Clean(name), TeamID: teamID, Source: names.FromSlack})
}

// learn stores one name an event carried; an event without a usable
// name changes nothing.
func (f *Filler) learn(ctx context.Context, e names.Entry) error {
	if e.Name == "" || e.ID == "" {
		return nil
	}
	if _, err := f.opts.Directory.Learn(ctx, []names.Entry{e}); err != nil {
		return fmt.Errorf("learn the new name of %s: %w", e.Key(), err)
	}
	f.mu.Lock()
	delete(f.unknown, e.Key())
	f.mu.Unlock()
	return nil
}
