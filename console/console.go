package console

import (
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console/preview"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Console is the admin console; serve it with Handler.
type Console struct {
	opts   Options
	engine Engine
	log    *slog.Logger
	signer signer
	pages  map[string]*template.Template
	mux    *http.ServeMux
	// auditBatch and auditScan bound the audit page's reads of the log
	// (defaultAuditBatch, defaultAuditScan).
	auditBatch, auditScan int
	// previewer says what a write would change; nil when none is
	// available.
	previewer Previewer
	// closed ends the live streams (Close).
	closed    chan struct{}
	closeOnce sync.Once
}

// New checks opts and builds the console.
func New(opts Options) (*Console, error) {
	if opts.Engine == nil {
		return nil, errors.New("console: an engine is required")
	}
	if opts.Slack != nil {
		cp := *opts.Slack
		opts.Slack = &cp
		if cp.ClientID == "" || cp.ClientSecret == "" || cp.RedirectURL == "" {
			return nil, errors.New("console: sign in with Slack needs a client id, client secret and redirect url")
		}
	}
	if !opts.DevSignIn && opts.Slack == nil {
		return nil, errors.New("console: no sign-in method: configure Sign in with Slack, or enable the development user picker")
	}
	opts.defaults()
	opts.Prefix = "/" + strings.Trim(opts.Prefix, "/")
	if opts.Prefix == "/" {
		return nil, errors.New("console: the prefix must not be the root path")
	}
	key := opts.SessionKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("console: make a session key: %w", err)
		}
		opts.Logger.Warn("console: no session key configured; using a random one, so sessions will not survive a restart")
	} else if len(key) < 16 {
		return nil, errors.New("console: the session key must be at least 16 bytes")
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{opts: opts, engine: opts.Engine, log: opts.Logger, signer: signer{key: key}, pages: pages,
		auditBatch: defaultAuditBatch, auditScan: defaultAuditScan, previewer: opts.Previewer, closed: make(chan struct{})}
	if e, ok := opts.Engine.(interface{ Store() authz.Store }); ok && c.previewer == nil {
		c.previewer = preview.New(opts.Engine, e.Store())
	}
	c.mux = c.routes()
	return c, nil
}

// Prefix is the path the console is served under, e.g. "/console".
func (c *Console) Prefix() string { return c.opts.Prefix }

// Handler serves the console. Mount it at the prefix:
// mux.Handle("/console/", c.Handler()). It also works behind
// http.StripPrefix("/console", …). POSTs from other origins are refused.
func (c *Console) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == c.opts.Prefix:
			http.Redirect(w, r, c.opts.Prefix+"/", http.StatusFound)
			return
		case strings.HasPrefix(p, c.opts.Prefix+"/"):
			p = strings.TrimPrefix(p, c.opts.Prefix)
		case p == "":
			p = "/"
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = p
		r2.URL.RawPath = ""
		c.mux.ServeHTTP(w, r2)
	}))
}

func (c *Console) routes() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /signin", c.signinPage)
	mux.HandleFunc("POST /signin/dev", c.devSignIn)
	mux.HandleFunc("GET /signin/slack", c.slackSignIn)
	mux.HandleFunc("GET "+SignInCallbackPath, c.slackCallback)
	mux.HandleFunc("POST /signout", c.action(c.signOut))

	mux.HandleFunc("GET /api/permissions", c.api(c.permissionsJSON))
	mux.HandleFunc("GET /events", c.api(c.events))

	mux.HandleFunc("GET /{$}", c.page(c.homePage))
	mux.HandleFunc("GET /roles", c.page(c.rolesPage))
	mux.HandleFunc("GET /roles/{name}", c.page(c.roleEditPage))
	mux.HandleFunc("POST /roles", c.action(c.putRole))
	mux.HandleFunc("POST /roles/preview", c.action(c.previewRole))
	mux.HandleFunc("POST /roles/{name}/delete", c.action(c.deleteRole))
	mux.HandleFunc("GET /assignments", c.page(c.assignmentsPage))
	mux.HandleFunc("POST /assignments/assign", c.action(c.assign))
	mux.HandleFunc("POST /assignments/revoke", c.action(c.revoke))
	mux.HandleFunc("POST /assignments/preview", c.action(c.previewAssignment))
	mux.HandleFunc("GET /entities", c.page(c.entitiesPage))
	mux.HandleFunc("POST /entities", c.action(c.upsertEntity))
	mux.HandleFunc("POST /entities/preview", c.action(c.previewEntity))
	mux.HandleFunc("GET /access", c.page(c.accessPage))
	mux.HandleFunc("GET /accounts", c.page(c.accountsPage))
	mux.HandleFunc("POST /accounts/type", c.action(c.setAccountType))
	mux.HandleFunc("POST /accounts/prefs", c.action(c.setTeamPrefs))
	mux.HandleFunc("GET /installations", c.page(c.installationsPage))
	mux.HandleFunc("GET /approvals", c.page(c.approvalsPage))
	mux.HandleFunc("POST /approvals/{id}/vote", c.action(c.vote))
	mux.HandleFunc("GET /audit", c.page(c.auditPage))
	return mux
}

// sessionHandler is a handler for a signed-in user.
type sessionHandler func(w http.ResponseWriter, r *http.Request, s *userSession)

// page wraps a GET page: without a session it sends the browser to sign in.
func (c *Console) page(h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.session(r)
		if !ok {
			http.Redirect(w, r, c.opts.Prefix+"/signin", http.StatusSeeOther)
			return
		}
		h(w, r, s)
	}
}

// api wraps a JSON or stream endpoint: without a session it answers 401.
func (c *Console) api(h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.session(r)
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "You are not signed in. Sign in again."})
			return
		}
		h(w, r, s)
	}
}

// action wraps a POST: it needs a session and the session's CSRF token.
func (c *Console) action(h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		s, ok := c.session(r)
		if !ok {
			c.fail(w, r, nil, http.StatusUnauthorized, "Your session has ended. Sign in again, then retry.")
			return
		}
		if !validCSRF(r, s) {
			c.fail(w, r, s, http.StatusForbidden, "This form has expired (its security token does not match your session). Reload the page and try again.")
			return
		}
		h(w, r, s)
	}
}
