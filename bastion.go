// Package bastion builds a bastion binary with your own back-office
// commands: every subcommand of the stock binary (serve, dev, shell,
// check, roles, approvals, slack, …), with your commands registered in
// the bot next to the built-in ones, listed by help, authorized by the
// permission service, approved and audited as they are.
//
// A team's main package is a few lines:
//
//	package main
//
//	import (
//		"github.com/bastionhq/bastion"
//		"example.com/billing/backoffice"
//	)
//
//	func main() {
//		bastion.Main(bastion.Commands(backoffice.Commands()...))
//	}
//
// Commands are bot.Command values (package bot). Commands that need what
// Bastion opens at start-up, such as a Slack client for the workspace a
// command is typed in or the permission service for a second check, come
// from a CommandSource given to CommandsFrom.
//
// `go run . dev` then shows your commands in the local Slack sandbox, and
// `serve` runs them against Slack. The stock binary, cmd/bastion, is
// bastion.Main() with no commands of its own; its `dev` shows the example
// back office instead, which nothing else ever registers.
package bastion

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/cli"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Option adds something of your own to the binary Main runs.
type Option func(*app.Options)

// Commands registers cmds in the bot, next to the built-in commands.
// Registration fails at start-up, naming the command, when one is
// invalid or could match the same messages as another.
func Commands(cmds ...bot.Command) Option {
	cmds = append([]bot.Command(nil), cmds...)
	return CommandsFrom(func(context.Context, Deps) ([]bot.Command, error) { return cmds, nil })
}

// CommandsFrom registers the commands src builds once Bastion has opened
// what they need. Several sources may be given; their commands are
// registered in order.
func CommandsFrom(src CommandSource) Option {
	return func(o *app.Options) {
		o.Sources = append(o.Sources, func(ctx context.Context, d app.Deps) ([]bot.Command, error) {
			return src(ctx, Deps{Authorizer: d.Authorizer, Slack: d.Slack, DB: d.DB, Demo: d.Demo, Logger: d.Logger})
		})
	}
}

// A CommandSource builds commands from what Bastion opened. It is called
// once, when a process that runs the bot starts (serve with a bot token,
// dev, shell); an error stops that process from starting.
type CommandSource func(ctx context.Context, d Deps) ([]bot.Command, error)

// Deps are what a CommandSource builds its commands with.
type Deps struct {
	// Authorizer asks the permission service whether a user may use a
	// permission in a channel, for commands that check more than their
	// own Permission where they are typed (e.g. on a channel they name).
	Authorizer bot.Authorizer
	// Slack gives the Web API client of the workspace a command is typed
	// in, with the bot token of that workspace's installation.
	Slack SlackClients
	// DB is Bastion's own database. Your commands normally work on your
	// own systems; a small command may keep its tables here (migrate them
	// with sqldb.Migrate under a name of your own).
	DB *sqldb.DB
	// Demo is true only under `bastion dev`: commands may fill their
	// tables with demonstration rows then, and never otherwise.
	Demo bool
	// Logger is the process's logger.
	Logger *slog.Logger
}

// SlackClients gives the Slack Web API client of a workspace. The error
// says when the app is not installed there (and, in `bastion shell`,
// that there is no Slack).
type SlackClients interface {
	ClientFor(ctx context.Context, teamID string) (*slack.Client, error)
}

// Main runs the bastion command line with the process's arguments and
// exits with its code: 0 success, 1 a negative answer (a denied check),
// 2 an error. SIGINT and SIGTERM stop serve and dev gracefully.
func Main(opts ...Option) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, opts...)
	stop()
	os.Exit(code)
}

// Run is Main without the process: it runs the command line with args
// (without the program name) on the given streams until it finishes or
// ctx ends, and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, opts ...Option) int {
	var o app.Options
	for _, opt := range opts {
		opt(&o)
	}
	return cli.Run(ctx, args, o, app.IO{Stdin: stdin, Stdout: stdout, Stderr: stderr})
}
