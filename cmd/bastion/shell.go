package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/botauthz"
	"github.com/bastionhq/bastion/examples/backoffice/accounts"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// shellDeps is what the shell needs from the rest of Bastion: who may do
// what, and the commands beyond help.
type shellDeps struct {
	Authorizer bot.Authorizer
	Commands   []bot.Command
}

// shellDepsFunc builds the shell's dependencies on the opened database.
type shellDepsFunc func(ctx context.Context, db *sqldb.DB, allowAll bool) (shellDeps, error)

// newShellCmd returns `bastion shell`, running the bot's router and
// handlers on lines typed in the terminal.
func newShellCmd(a *app) *cobra.Command {
	return newShellCmdWith(a, a.exampleShellDeps)
}

// exampleShellDeps serves the example back-office commands, authorized by
// the permission engine on the same database (load `bastion demo-data`
// first), unless allowAll grants everything for local trials.
func (a *app) exampleShellDeps(ctx context.Context, db *sqldb.DB, allowAll bool) (shellDeps, error) {
	accts, err := accounts.Open(ctx, db, nil)
	if err != nil {
		return shellDeps{}, err
	}
	if err := accts.Seed(ctx); err != nil {
		return shellDeps{}, err
	}
	deps := shellDeps{Commands: accounts.Commands(accts)}
	if allowAll {
		deps.Authorizer = bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
			return bot.Decision{Allowed: true, Reason: "bastion shell --allow-all"}, nil
		})
		return deps, nil
	}
	engine, err := a.engineOn(ctx, db, nil)
	if err != nil {
		return shellDeps{}, err
	}
	deps.Authorizer = botauthz.New(engine)
	return deps, nil
}

// newShellCmdWith is newShellCmd with the dependencies supplied by deps.
func newShellCmdWith(a *app, deps shellDepsFunc) *cobra.Command {
	var team, user, channel string
	var allowAll bool
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Type bot commands in the terminal, as if in a Slack channel",
		Long: "shell runs the bot's router and handlers on lines read from standard input, against the local database, " +
			"acting as --user in --channel of --team. Replies are printed; invocations go to the audit log.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			d, err := deps(ctx, db, allowAll)
			if err != nil {
				return fmt.Errorf("shell: %w", err)
			}
			audit, err := botsql.Open(ctx, db)
			if err != nil {
				return fmt.Errorf("shell: %w", err)
			}
			router := bot.NewRouter(bot.RouterOptions{Authorizer: d.Authorizer})
			if err := router.Register(d.Commands...); err != nil {
				return fmt.Errorf("shell: %w", err)
			}
			return runShell(ctx, router, audit, a.stdin, a.stdout, bot.Message{TeamID: team, UserID: user, ChannelID: channel,
				Direct: strings.HasPrefix(channel, "D")})
		},
	}
	cmd.Flags().StringVar(&team, "team", "T1", "team (workspace) id")
	cmd.Flags().StringVar(&user, "user", "U1", "user id to act as")
	cmd.Flags().StringVar(&channel, "channel", "C1", "channel id to act in (D… for a direct message)")
	cmd.Flags().BoolVar(&allowAll, "allow-all", false, "allow every permission (local trials without the permission service)")
	return cmd
}

// runShell reads one command per line until end of input.
func runShell(ctx context.Context, router *bot.Router, audit bot.AuditLog, in io.Reader, out io.Writer, base bot.Message) error {
	prompt := ""
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		prompt = "bastion> "
	}
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	reply := printer{w: out}
	for n := 1; ; n++ {
		fmt.Fprint(out, prompt)
		if !lines.Scan() {
			break
		}
		text := strings.TrimSpace(lines.Text())
		if text == "" {
			continue
		}
		if text == "exit" || text == "quit" {
			return nil
		}
		msg := base
		msg.Text, msg.TS = text, "shell."+strconv.Itoa(n)
		msg.ThreadTS = msg.TS
		inv := router.Handle(ctx, msg, reply)
		if err := audit.RecordInvocation(ctx, inv); err != nil {
			fmt.Fprintln(out, "(audit log:", err, ")")
		}
	}
	if err := lines.Err(); err != nil {
		return fmt.Errorf("shell: read input: %w", err)
	}
	return nil
}

// printer is a Responder that prints replies.
type printer struct{ w io.Writer }

func (p printer) Reply(_ context.Context, text string) error {
	_, err := fmt.Fprintln(p.w, text)
	return err
}
