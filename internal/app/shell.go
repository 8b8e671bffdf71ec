package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/router"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/term"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/config"
)

// ShellOptions say who the shell acts as, and where.
type ShellOptions struct {
	TeamID, UserID, ChannelID string
	// AllowAll grants every permission (local trials without roles).
	AllowAll bool
}

// Shell runs `bastion shell`: the bot's router with the built-in commands
// and the binary's own, on lines read from io.Stdin as if typed by
// o.UserID in o.ChannelID, authorized by the permission engine on cfg's
// database. Replies are printed; invocations go to the audit log. Commands
// that call Slack fail: the shell has no Slack.
func Shell(ctx context.Context, cfg config.Config, opts Options, io IO, o ShellOptions) error {
	sources, err := opts.sources(cfg)
	if err != nil {
		return ConfigError{err}
	}
	st, err := OpenStores(ctx, cfg, StoreOptions{Bot: true, Runs: cfg.Commands != ""})
	if err != nil {
		return err
	}
	defer st.Close()
	var auth bot.Authorizer = botauthz.New(st.Engine)
	if o.AllowAll {
		auth = bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
			return bot.Decision{Allowed: true, Reason: "bastion shell --allow-all"}, nil
		})
	}
	router := router.New(router.Options{Authorizer: auth})
	if err := router.Register(builtin.CommandsNamed(st.Engine, router.Commands, st.Names)...); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	log := slog.New(slog.NewTextHandler(io.Stderr, nil))
	cmds, err := commands(ctx, sources, Deps{Authorizer: auth, Slack: noSlack{}, DB: st.DB, Logger: log})
	if err != nil {
		return fmt.Errorf("shell: commands: %w", err)
	}
	own, err := fileCommands(cfg.Commands, cfg.Roles, st, append(router.Commands(), cmds...), log)
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	cmds = append(cmds, own...)
	if err := router.Register(cmds...); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	return runShell(ctx, router, st.Bot, io.Stdin, io.Stdout, bot.Message{TeamID: o.TeamID, UserID: o.UserID, ChannelID: o.ChannelID,
		Direct: strings.HasPrefix(o.ChannelID, "D")})
}

// noSlack is the shell's Slack: there is none.
type noSlack struct{}

func (noSlack) ClientFor(context.Context, string) (*slack.Client, error) {
	return nil, errors.New("the shell does not talk to Slack: run this command in Slack (bastion serve or dev)")
}

// runShell reads one command per line until end of input.
func runShell(ctx context.Context, router *router.Router, audit router.AuditLog, in io.Reader, out io.Writer, base bot.Message) error {
	prompt := ""
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		prompt = "bastion> "
	}
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	reply := printer{w: out}
	// Each line is a message of its own: its ts is unique across
	// sessions, as a request id derived from it must be.
	session := strconv.FormatInt(time.Now().UnixMicro(), 10)
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
		msg.Text, msg.TS = text, "shell."+session+"."+strconv.Itoa(n)
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
