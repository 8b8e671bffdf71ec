// Command backoffice is a runnable example of a team's own Bastion: the
// stock binary with the example back-office commands of packages
// accounts and channels registered in the bot.
//
//	go run ./examples/backoffice dev     # in the local Slack sandbox
//	go run ./examples/backoffice serve   # against Slack (see bastion serve --help)
//
// The accounts commands keep an example accounts table in Bastion's own
// database, filled with demo accounts under dev only; the channels
// commands call Slack with the bot token of the workspace they are typed
// in and ask the permission service about the channel they archive.
package main

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/examples/backoffice/accounts"
	"github.com/bastionhq/bastion/examples/backoffice/channels"
)

func main() {
	bastion.Main(bastion.CommandsFrom(commands))
}

// commands builds the example commands on what Bastion opened.
func commands(ctx context.Context, d bastion.Deps) ([]bot.Command, error) {
	accts, err := accounts.Open(ctx, d.DB, nil)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if d.Demo {
		if err := accts.Seed(ctx); err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
	}
	archivers := channels.ArchiverSourceFunc(func(ctx context.Context, team string) (channels.Archiver, error) {
		return d.Slack.ClientFor(ctx, team)
	})
	return append(accounts.Commands(accts), channels.CommandsFor(archivers, d.Authorizer)...), nil
}
