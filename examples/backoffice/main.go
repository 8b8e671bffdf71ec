// Command backoffice is a runnable example of a team's back-office bot:
// the accounts commands from package accounts, served over the Slack
// Events API with the embedded SQLite queue and store.
//
//	SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=xoxb-… BACKOFFICE_ADMINS=U123 \
//	    go run ./examples/backoffice -db backoffice.db -addr :3000
//
// Until the permission service is wired in, the users listed in
// BACKOFFICE_ADMINS may run every command and everyone else is denied.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/examples/backoffice/accounts"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqlite"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "backoffice:", err)
		os.Exit(1)
	}
}

func run() error {
	dbPath := flag.String("db", "backoffice.db", "SQLite database file")
	addr := flag.String("addr", ":3000", "address to serve POST /slack/events on")
	botUser := flag.String("bot-user", os.Getenv("SLACK_BOT_USER_ID"), "the bot's user id (env SLACK_BOT_USER_ID)")
	flag.Parse()
	secret, token := os.Getenv("SLACK_SIGNING_SECRET"), os.Getenv("SLACK_BOT_TOKEN")
	if secret == "" || token == "" {
		return errors.New("set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	accts, err := accounts.Open(ctx, db, nil)
	if err != nil {
		return err
	}
	if err := accts.Seed(ctx); err != nil {
		return err
	}
	q, err := sqlqueue.Open(ctx, db, sqlqueue.Options{MaxBodySize: bot.DefaultMaxEventBody})
	if err != nil {
		return err
	}
	defer q.Close()
	store, err := botsql.Open(ctx, db)
	if err != nil {
		return err
	}
	admins := strings.Split(os.Getenv("BACKOFFICE_ADMINS"), ",")
	router := bot.NewRouter(bot.RouterOptions{Authorizer: adminList(admins)})
	if err := router.Register(accounts.Commands(accts)...); err != nil {
		return err
	}
	worker, err := bot.NewWorker(bot.WorkerOptions{
		Queue: q, Router: router, Claims: store, Audit: store, BotUserID: *botUser,
		Chat: bot.NewSlackChat(token, bot.SlackChatOptions{APIURL: os.Getenv("SLACK_API_URL")}),
	})
	if err != nil {
		return err
	}
	events, err := bot.NewEventsHandler(bot.EventsHandlerOptions{SigningSecret: secret, Queue: q})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", events)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	go worker.Run(ctx)
	slog.Info("back office listening", "addr", *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// adminList allows the listed users everything; it stands in for the
// permission service in this example.
type adminList []string

func (a adminList) CheckPermission(_ context.Context, _, userID, _, permission string) (bot.Decision, error) {
	if slices.Contains(a, userID) {
		return bot.Decision{Allowed: true, Reason: "listed in BACKOFFICE_ADMINS"}, nil
	}
	return bot.Decision{Reason: "only BACKOFFICE_ADMINS may use " + permission}, nil
}
