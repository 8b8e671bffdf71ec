package bastion_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bastionhq/bastion"
	"github.com/bastionhq/bastion/bot"
)

// A team's binary: every subcommand of bastion, with the team's command
// in the bot.
func ExampleMain() {
	refund := bot.Command{
		Pattern:     "refund <invoice> <amount:int> cents",
		Description: "Refund part of an invoice.",
		Permission:  "SET_PLAN",
		Risk:        bot.Sensitive, // one approval besides the caller's
		Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Replyf(ctx, "Refunded %d cents of %s.", req.Args.Int("amount"), req.Args.String("invoice"))
		},
	}
	bastion.Main(bastion.Commands(refund))
}

// Run the team's command in `bastion shell`, as if typed in a channel.
func ExampleCommands() {
	hello := bot.Command{
		Pattern:     "hello <name>",
		Description: "Greet someone.",
		Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Replyf(ctx, "Hello, %s!", req.Args.String("name"))
		},
	}
	dir, err := os.MkdirTemp("", "bastion-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	code := bastion.Run(context.Background(), []string{"--db", filepath.Join(dir, "bastion.db"), "shell", "--allow-all"},
		strings.NewReader("hello Ada\n"), os.Stdout, os.Stderr, bastion.Commands(hello))
	fmt.Println("exit", code)
	// Output:
	// bastion: Hello, Ada!
	// exit 0
}

// Commands that need what Bastion opens at start-up come from a
// CommandSource: here the permission service, asked about the channel a
// command names rather than the one it is typed in.
func ExampleCommandsFrom() {
	source := func(ctx context.Context, d bastion.Deps) ([]bot.Command, error) {
		return []bot.Command{{
			Pattern:     "may I archive <channel:channel>",
			Description: "Say whether you may archive a channel.",
			Handler: func(ctx context.Context, req *bot.Request) error {
				dec, err := d.Authorizer.CheckPermission(ctx, req.TeamID, req.UserID, req.Args.String("channel"), "ARCHIVE_CHANNEL")
				if err != nil {
					return err
				}
				return req.Replyf(ctx, "allowed: %v (%s)", dec.Allowed, dec.Reason)
			},
		}}, nil
	}
	dir, err := os.MkdirTemp("", "bastion-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	bastion.Run(context.Background(), []string{"--db", filepath.Join(dir, "bastion.db"), "shell", "--allow-all"},
		strings.NewReader("may I archive <#C1|general>\n"), os.Stdout, os.Stderr, bastion.CommandsFrom(source))
	// Output:
	// bastion: allowed: true (bastion shell --allow-all)
}
