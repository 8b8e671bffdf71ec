package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
)

// devClientID is the Slack app's client id in the sandbox.
const devClientID = "dev-client"

// DevEnv is a running development environment.
type DevEnv struct {
	// URL is the address to open in a browser.
	URL string
	// APIKey authenticates calls to the permission service.
	APIKey string
	Engine *authz.Engine
	// Sandbox is the local Slack; nil with DevOptions.Slack.
	Sandbox *sandbox.Server
	Slack   *slackapp.Service
	// Names is the directory of display names.
	Names names.Directory
}

// DevOptions are what `bastion dev` takes besides the configuration.
type DevOptions struct {
	// Reset removes what earlier runs kept in cfg.DevDir (the database and
	// the sandbox's state) before starting, and says so.
	Reset bool
	// Slack runs the demo in a real workspace over Socket Mode, with
	// cfg.SlackAppToken and cfg.SlackBotToken, instead of the sandbox.
	Slack bool
	// Ready, when set, is called with the environment once it serves.
	Ready func(*DevEnv)
}

// Dev runs `bastion dev` until ctx ends: a SQLite database in
// cfg.DevDir (unless cfg.DB names another), given the demo organisation
// when it is new, the permission service, the bot with the binary's
// commands (the example back-office commands when it has none) and
// approvals, the admin console, and a local Slack sandbox speaking
// Slack's Web API and Events API to the bot (or, with do.Slack, a real
// workspace over Socket Mode), all on cfg.Addr. What people did (the
// database, the sandbox's messages and reactions) is kept for the next
// run; do.Reset starts clean.
func Dev(ctx context.Context, cfg config.Config, opts Options, io IO, do DevOptions) error {
	level, err := cfg.Level(slog.LevelWarn)
	if err != nil {
		return ConfigError{err}
	}
	log := slog.New(slog.NewTextHandler(io.Stderr, &slog.HandlerOptions{Level: level}))
	if do.Slack {
		if err := cfg.ValidateDevSlack(); err != nil {
			return ConfigError{fmt.Errorf("dev --slack: %w", err)}
		}
	}
	sources, err := opts.sources(cfg)
	if err != nil {
		return ConfigError{err}
	}
	examples := len(sources) == 0 && cfg.Commands == ""
	if examples {
		sources = []CommandSource{ExampleCommands}
	}
	if err := os.MkdirAll(cfg.DevDir, 0o700); err != nil {
		return fmt.Errorf("dev: create %s: %w", cfg.DevDir, err)
	}
	if do.Reset {
		if err := resetDev(cfg, io.Stdout); err != nil {
			return err
		}
	}
	key, err := devEncryptionKey(filepath.Join(cfg.DevDir, "encryption.key"))
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	reg := prometheus.NewRegistry()
	st, err := OpenStores(ctx, cfg, StoreOptions{Registry: reg, EncryptionKey: key, Bot: true, Runs: cfg.Commands != ""})
	if err != nil {
		return err
	}
	defer st.Close()
	fresh, err := devDemoData(ctx, st.Engine)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("dev: listen on %s: %w (is another bastion dev running? pass --addr)", cfg.Addr, err)
	}
	d := &devRun{cfg: cfg, st: st, reg: reg, log: log, ln: ln, base: "http://" + ln.Addr().String(),
		sources: sources, examples: examples, fresh: fresh, out: io.Stdout}
	defer func() {
		if !d.serving {
			ln.Close()
		}
	}()
	d.life = newLifecycle(log)
	defer d.life.stop(graceContext)
	d.life.start("change follower", follow(st.Engine, authz.DefaultFollowInterval), nil)
	d.votes = &lateVotes{}
	d.console, err = console.New(console.Options{Engine: st.Engine, Installations: st.Installations,
		Approvals: console.BotApprovals{Store: st.Bot}, Votes: d.votes, Names: st.Names, DevSignIn: true,
		SessionKey: devSessionKey(key), Logger: log})
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	var env *DevEnv
	if do.Slack {
		env, err = d.runSlack(ctx)
	} else {
		env, err = d.runSandbox(ctx)
	}
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	if do.Ready != nil {
		do.Ready(env)
	}
	return d.life.wait(ctx, graceContext)
}

// devRun is one run of `bastion dev`: what both ways of running it, with
// the sandbox or with a real workspace, share.
type devRun struct {
	cfg     config.Config
	st      *Stores
	reg     *prometheus.Registry
	log     *slog.Logger
	life    *lifecycle
	ln      net.Listener
	base    string
	console *console.Console
	// votes carry the console's votes to the approval workflow once the
	// bot runs.
	votes    *lateVotes
	sources  []CommandSource
	examples bool
	// fresh is true when the database was new and got the demo
	// organisation in this run.
	fresh bool
	// serving is true once the listener is served (and closed by
	// stopping the server).
	serving bool
	out     io.Writer
}

// databaseNote says where the database is and whether it is new.
func (d *devRun) databaseNote() string {
	db := config.RedactDB(d.cfg.DB)
	if d.fresh {
		return db + " (new, with the demo organisation)"
	}
	return db + " (kept from the last run; bastion dev --reset starts clean)"
}

// devDemoData loads the demo organisation into a database nothing was
// ever written to, and reports whether it did: a restart keeps what
// people changed since.
func devDemoData(ctx context.Context, engine *authz.Engine) (bool, error) {
	rev, err := engine.Store().CurrentRevision(ctx)
	if err != nil {
		return false, fmt.Errorf("read the database's revision: %w", err)
	}
	if rev != 0 {
		return false, nil
	}
	if err := demo.Load(ctx, engine); err != nil {
		return false, fmt.Errorf("load demo data: %w", err)
	}
	return true, nil
}

// devEncryptionKey reads the development token key, creating it first.
func devEncryptionKey(path string) ([]byte, error) {
	if text, err := os.ReadFile(path); err == nil {
		return slackapp.ParseEncryptionKey(string(text))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// devSessionKey derives the console's session key from the development
// token key, so that console tabs stay signed in across restarts.
func devSessionKey(key []byte) []byte {
	sum := sha256.Sum256(append([]byte("bastion dev console sessions\x00"), key...))
	return sum[:]
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
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
