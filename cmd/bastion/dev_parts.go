package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot/runner"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/web"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// devClientID is the Slack app's client id in the sandbox.
const devClientID = "dev-client"

// devParts are the handlers `bastion dev` serves next to the permission
// service, and what it needs to finish starting.
type devParts struct {
	routes map[string]http.Handler
	page   *web.Handler
	slack  *slackapp.Service
	// bot serves /slack/events and /slack/interactions once the bot runs.
	bot *lateHandler
}

// newDevParts builds the sandbox page (at /), the admin console (/console/)
// and the Slack install flow (/slack/install), with a place for the bot.
func (a *app) newDevParts(ctx context.Context, db *sqldb.DB, engine *authz.Engine, sb *sandbox.Server, base, clientSecret, dir string, log *slog.Logger) (devParts, error) {
	svc, err := devSlackService(ctx, db, dir, sb.APIURL(), log)
	if err != nil {
		return devParts{}, err
	}
	oauth, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{ClientID: devClientID, ClientSecret: clientSecret,
		RedirectURL: base + "/slack/oauth/callback", AuthorizeURL: sb.URL() + "/oauth/v2/authorize",
		StateSecret: []byte(randomToken(16))}, svc)
	if err != nil {
		return devParts{}, err
	}
	approvals, err := botsql.Open(ctx, db)
	if err != nil {
		return devParts{}, err
	}
	con, err := console.New(console.Options{Engine: engine, Installations: svc.Store(),
		Approvals: console.BotApprovals{Store: approvals}, DevSignIn: true, Logger: log})
	if err != nil {
		return devParts{}, err
	}
	page := web.New(sb, web.Options{Label: devLabel(engine), Title: "Bastion sandbox", Logger: log})
	late := &lateHandler{}
	return devParts{
		routes: map[string]http.Handler{
			"/slack/install":      oauth,
			"/slack/oauth/":       oauth,
			"/slack/events":       late,
			"/slack/interactions": late,
			"/console/":           con.Handler(),
			"/":                   page,
		},
		page: page, slack: svc, bot: late,
	}, nil
}

// devBot runs the bot as `bastion serve` does, with the sandbox as Slack:
// each workspace is answered with the token of its installation, and the
// main workspace's token identifies the bot.
func (a *app) devBot(ctx context.Context, db *sqldb.DB, engine *authz.Engine, sb *sandbox.Server, secret string, svc *slackapp.Service, log *slog.Logger) (*runner.Runner, error) {
	ins, err := svc.Store().TeamInstallations(ctx, demo.TeamMain)
	if err != nil || len(ins) == 0 {
		return nil, fmt.Errorf("bot token of %s: no installation (%v)", demo.TeamMain, err)
	}
	return a.botRuntime(ctx, db, engine, botConfig{BotToken: ins[0].BotToken, SigningSecret: secret,
		APIURL: sb.APIURL(), Slack: svc, Logger: log})
}

// devLabel describes a person for the sandbox's user picker from the
// permission service's live data: the roles they hold and where.
func devLabel(engine *authz.Engine) func(teamID, userID string) string {
	return func(_, userID string) string {
		as, err := engine.Assignments(context.Background(), authz.AssignmentFilter{UserID: userID})
		if err != nil || len(as) == 0 {
			return ""
		}
		var parts []string
		for _, x := range as {
			parts = append(parts, roleTitle(x.Role)+" on "+x.EntityID)
		}
		slices.Sort(parts)
		return strings.Join(parts, ", ")
	}
}

// roleTitle turns CHANNELS_ADMIN into "Channels Admin".
func roleTitle(role string) string {
	words := strings.Split(strings.ToLower(role), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// lateHandler answers 503 until its handler is set: Slack (here the
// sandbox) retries deliveries that arrive before the bot has started.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := l.h.Load()
	if h == nil {
		http.Error(w, "the bot is starting", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}
