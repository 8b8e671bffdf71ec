// Package app is Bastion's composition root: it opens each store once,
// builds each service once on them, and runs `bastion serve`, `bastion dev`
// and `bastion shell` through one lifecycle, stopping what it started in
// reverse order.
//
// Commands come from CommandSources: a binary built with package bastion
// passes the team's own; `bastion dev` adds the example back-office
// commands when the binary has none, and nothing else ever registers them.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Options are what a binary adds to Bastion.
type Options struct {
	// Sources build the binary's own commands; the built-in ones, and the
	// commands file's (--commands), are always registered.
	Sources []CommandSource
}

// CommandSource builds bot commands from what Bastion has opened. It is
// called once per process that runs the bot (serve with a bot token, dev,
// shell); an error stops the process from starting.
type CommandSource func(ctx context.Context, d Deps) ([]bot.Command, error)

// Deps are what a CommandSource builds its commands with.
type Deps struct {
	// Authorizer answers permission checks with the permission engine of
	// this process, for commands that check more than their own
	// Permission on the channel they are typed in.
	Authorizer bot.Authorizer
	// Slack gives the Web API client of each workspace.
	Slack SlackClients
	// DB is Bastion's own database.
	DB *sqldb.DB
	// Demo is true only in `bastion dev`: commands may fill their tables
	// with demonstration rows.
	Demo bool
	// Logger is the process's logger.
	Logger *slog.Logger
}

// SlackClients gives the Slack Web API client of a workspace, with the bot
// token of its installation. Errors say the app is not installed there.
type SlackClients interface {
	ClientFor(ctx context.Context, teamID string) (*slack.Client, error)
}

// IO are the process's standard streams.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// commands runs every source with d, in order.
func commands(ctx context.Context, sources []CommandSource, d Deps) ([]bot.Command, error) {
	var out []bot.Command
	for _, src := range sources {
		cmds, err := src(ctx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, cmds...)
	}
	return out, nil
}

// sources are the command sources of the binary. With --commands, the
// commands file is checked first, so that a bad one stops the process
// before anything starts; its commands are added with the ledger of
// their runs once the stores are open (fileCommands).
func (o Options) sources(cfg config.Config) ([]CommandSource, error) {
	if err := checkCommandsFile(cfg); err != nil {
		return nil, fmt.Errorf("--commands %s: %w", cfg.Commands, err)
	}
	return append([]CommandSource(nil), o.Sources...), nil
}
