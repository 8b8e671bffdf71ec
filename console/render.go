package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{"home", "signin", "roles", "role_edit", "assignments", "entities", "accounts", "installations", "approvals", "audit", "error", "confirm", "access"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"join": strings.Join,
		// changeOf pairs a preview change with its page, for the
		// "change" template.
		"changeOf": func(d *pageData, ch changeView) changeOnPage { return changeOnPage{Page: d, Change: ch} },
	}
	out := map[string]*template.Template{}
	for _, n := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("console: parse page %s: %w", n, err)
		}
		out[n] = t
	}
	return out, nil
}

// changeOnPage is a preview change and the page drawing it.
type changeOnPage struct {
	Page   *pageData
	Change changeView
}

// pageData is what every page template receives.
type pageData struct {
	Title   string
	Nav     string
	Prefix  string
	Session *userSession
	Flash   string
	Error   string
	// Perms are the user's permissions when the page was drawn.
	Perms *permView
	// Need is the permission the page's data needs, set when the user
	// holds it nowhere: the page says so instead of showing the data.
	Need string
	// NeedUndeclared is set when the roles file in use does not declare
	// Need, so nobody can hold it.
	NeedUndeclared bool
	// Body is the page's own data.
	Body any
	// Names are the display names the page shows ids by.
	Names *labels
}

// User shows a user by name, the id on hover.
func (d *pageData) User(id string) template.HTML { return d.Names.userHTML(id) }

// Entity shows an enterprise, workspace or channel by name, its type and
// id on hover.
func (d *pageData) Entity(id string) template.HTML { return d.Names.entityHTML(id) }

// Actor shows who made an audited change.
func (d *pageData) Actor(actor string) template.HTML { return d.Names.actorHTML(actor) }

// UserName is a user's name as plain text (the id when unknown), for
// places that cannot hold markup, such as a select's options.
func (d *pageData) UserName(id string) string { return d.Names.userText(id) }

// EntityName is an entity's name as plain text (the id when unknown).
func (d *pageData) EntityName(id string) string { return d.Names.entityText(id) }

// Can reports whether the page's user holds permission on entity (or,
// with entity "", on any entity).
func (d *pageData) Can(permission, entity string) bool {
	return d.Perms != nil && d.Perms.can(permission, entity)
}

// Needs returns the attributes that tie an element to a permission: the
// page's script hides it live when the user loses the permission, and it
// starts hidden when the user does not hold it now.
func (d *pageData) Needs(permission, entity string) template.HTMLAttr {
	a := `data-needs="` + html.EscapeString(permission) + `"`
	if entity != "" {
		a += ` data-entity="` + html.EscapeString(entity) + `"`
	}
	if !d.Can(permission, entity) {
		a += " hidden"
	}
	return template.HTMLAttr(a)
}

// renderNeeding draws a page whose data needs permission. To a user who
// holds it nowhere (or whose permissions could not be read) the page
// answers 403 and says which permission it needs; what body holds for
// them is still drawn (their own assignments, say).
func (c *Console) renderNeeding(w http.ResponseWriter, r *http.Request, s *userSession, permission, name, title string, body any) {
	pv, err := c.permissions(r.Context(), s)
	if err == nil && pv.anywhere(permission) {
		c.render(w, r, s, http.StatusOK, name, title, body)
		return
	}
	_, declared := c.engine.Catalog().Permissions[permission]
	c.draw(w, r, s, http.StatusForbidden, name, title, body, permission, !declared)
}

// consolePage is a page and the permission its data needs.
type consolePage struct{ Name, Path, Permission string }

// consolePages are the pages whose data needs a permission.
var consolePages = []consolePage{
	{"Roles", "/roles", PermViewRoles},
	{"Assignments", "/assignments", PermViewAssignments},
	{"Entities", "/entities", PermViewAssignments},
	{"Accounts", "/accounts", PermViewTeamSettings},
	{"Installations", "/installations", PermViewInstallations},
	{"Approvals", "/approvals", PermViewApprovals},
	{"Audit", "/audit", PermViewAuditLog},
}

// Pages lists the pages whose data needs a permission, for the home page.
func (d *pageData) Pages() []consolePage { return consolePages }

// Lacks returns the attributes of an element shown only while the user
// holds permission nowhere; the page's script follows it live.
func (d *pageData) Lacks(permission string) template.HTMLAttr {
	a := `data-lacks="` + html.EscapeString(permission) + `"`
	if d.Can(permission, "") {
		a += " hidden"
	}
	return template.HTMLAttr(a)
}

// render draws a page for a signed-in user (s may be nil on sign-in and
// error pages), consuming the session's one-time notice.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *userSession, status int, name, title string, body any) {
	c.draw(w, r, s, status, name, title, body, "", false)
}

func (c *Console) draw(w http.ResponseWriter, r *http.Request, s *userSession, status int, name, title string, body any, need string, undeclared bool) {
	d := &pageData{Title: title, Nav: name, Prefix: c.opts.Prefix, Session: s, Body: body, Need: need, NeedUndeclared: undeclared}
	if s != nil {
		if s.Flash != "" {
			d.Flash = s.Flash
			c.setFlash(w, s, "")
		}
		pv, err := c.permissions(r.Context(), s)
		if err != nil {
			c.log.Warn("console: read the user's permissions", "user", s.UserID, "error", err)
		} else {
			d.Perms = pv
		}
		if s.labels == nil {
			c.label(r.Context(), s, nil, nil)
		}
		d.Names = s.labels
	} else if l, ok := body.(interface{ pageLabels() *labels }); ok {
		d.Names = l.pageLabels()
	}
	if d.Names == nil {
		d.Names = &labels{}
	}
	if e, ok := body.(errorBody); ok {
		d.Error = e.Message
	}
	c.execute(w, status, name, d)
}

func (c *Console) execute(w http.ResponseWriter, status int, name string, d *pageData) {
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, d); err != nil {
		c.log.Error("console: draw page", "page", name, "error", err)
		http.Error(w, "The page could not be drawn.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorBody is the error page's data.
type errorBody struct {
	Message string
	Back    string
}

// wantsJSON reports whether the caller asked for a JSON answer.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// fail answers a refused or failed request: JSON {"error": msg} for
// scripts, otherwise an error page with a link back.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *userSession, status int, msg string) {
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	c.render(w, r, s, status, "error", "Not done", errorBody{Message: msg, Back: c.backTo(r, "/")})
}

// done answers a successful write: JSON for scripts, otherwise a notice
// and a redirect back to the page the form was on.
func (c *Console) done(w http.ResponseWriter, r *http.Request, s *userSession, msg, fallback string) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"message": msg})
		return
	}
	c.setFlash(w, s, msg)
	http.Redirect(w, r, c.backTo(r, fallback), http.StatusSeeOther)
}

// backTo returns the form's "back" field when it is a path inside the
// console, else the console path fallback.
func (c *Console) backTo(r *http.Request, fallback string) string {
	b := r.PostFormValue("back")
	if strings.HasPrefix(b, c.opts.Prefix+"/") && !strings.Contains(b, "//") && !strings.Contains(b, `\`) {
		return b
	}
	return c.opts.Prefix + fallback
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
