package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bastionhq/bastion/sandbox"
)

//go:embed assets
var assets embed.FS

var pageTemplate = template.Must(template.ParseFS(assets, "assets/index.html"))

// Options configure the page. Zero values get defaults.
type Options struct {
	// Labels are words shown next to a user's account type, such as
	// "Channels Admin", keyed by user id.
	Labels map[string]string
	// Label, when set, gives a user's label and wins over Labels, so the
	// label can follow live data such as role assignments. It is called
	// for every user each time the page loads its state.
	Label func(teamID, userID string) string
	// BotName names the bot's messages (default "bastion").
	BotName string
	// Title is the page's title (default "Bastion sandbox").
	Title string
	// Start is the view a link without parameters opens, so that a bare
	// address lands where a tour begins. Each of its parts applies when
	// the link leaves it out and it exists; As and Channel only in the
	// Start workspace. Without it: the first workspace, its first person
	// by id, and #general (or the first channel).
	Start View
	// KeepAlive is how often an idle event stream sends a comment so that
	// proxies keep it open (default 15 s).
	KeepAlive time.Duration
	// Logger receives errors the page cannot report to its caller
	// (default slog.Default()).
	Logger *slog.Logger
}

// View names a workspace, the person to act as and the channel to look
// at, by id.
type View struct {
	Team, As, Channel string
}

// Handler serves the sandbox's web page and its JSON API. Mount it at the
// root of a server or under a prefix with http.StripPrefix; the page uses
// relative URLs only.
type Handler struct {
	sb   *sandbox.Server
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	closeOnce sync.Once
	done      chan struct{}
}

// New builds the page for sb.
func New(sb *sandbox.Server, opts Options) *Handler {
	if opts.BotName == "" {
		opts.BotName = "bastion"
	}
	if opts.Title == "" {
		opts.Title = "Bastion sandbox"
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 15 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Handler{sb: sb, opts: opts, log: opts.Logger, mux: http.NewServeMux(), done: make(chan struct{})}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(fmt.Sprintf("sandbox web: embedded assets: %v", err)) // the embed directive guarantees them
	}
	h.mux.HandleFunc("GET /{$}", h.servePage)
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET /ui/state", h.serveState)
	h.mux.HandleFunc("POST /ui/message", serveAction(func(req messageRequest) (any, *requestError) {
		ts, rerr := h.post(req)
		return map[string]string{"ts": ts, "channel": req.Channel}, rerr
	}))
	h.mux.HandleFunc("POST /ui/reaction", serveAction(func(req reactionRequest) (any, *requestError) { return okAnswer, h.react(req) }))
	h.mux.HandleFunc("POST /ui/click", serveAction(func(req clickRequest) (any, *requestError) { return okAnswer, h.click(req) }))
	h.mux.HandleFunc("GET /ui/events", h.serveEvents)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// Close ends every open event stream and refuses new ones, so that an
// http.Server can shut down without waiting for the browsers to leave.
// The page keeps answering other requests.
func (h *Handler) Close() {
	h.closeOnce.Do(func() { close(h.done) })
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pageTemplate.Execute(w, struct{ Title string }{h.opts.Title}); err != nil {
		h.log.Warn("sandbox web: render page", "err", err)
	}
}
