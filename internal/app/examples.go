package app

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/examples/backoffice/accounts"
	"github.com/bastionhq/bastion/examples/backoffice/channels"
)

// ExampleCommands is the example back office (examples/backoffice): the
// accounts commands over tables in Bastion's database, filled with demo
// accounts when d.Demo, and the Channels Admin commands calling Slack
// with each workspace's token. `bastion dev` serves them when the binary
// has no commands of its own; no other path registers them.
func ExampleCommands(ctx context.Context, d Deps) ([]bot.Command, error) {
	accts, err := accounts.Open(ctx, d.DB, nil)
	if err != nil {
		return nil, fmt.Errorf("example accounts: %w", err)
	}
	if d.Demo {
		if err := accts.Seed(ctx); err != nil {
			return nil, fmt.Errorf("example accounts: %w", err)
		}
	}
	archivers := channels.ArchiverSourceFunc(func(ctx context.Context, team string) (channels.Archiver, error) {
		return d.Slack.ClientFor(ctx, team)
	})
	cmds := accounts.Commands(accts)
	for i := range cmds {
		if cmds[i].Pattern == planCommand {
			cmds[i].Channels = []string{demo.ChannelBackoffice}
		}
	}
	return append(cmds, channels.CommandsFor(archivers, d.Authorizer)...), nil
}

// planCommand is the example command served in #backoffice only, to show
// commands limited to some channels: elsewhere help leaves it out and
// asking for it says where it works.
const planCommand = "set plan of <subdomain> to <plan>"
