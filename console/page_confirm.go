package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console/preview"
)

// formField is one hidden field of a confirm form.
type formField struct{ Name, Value string }

// confirmBody is the confirm page's data: a write described in names,
// what it would change, and the form that makes it.
type confirmBody struct {
	Heading string
	// Summary says what the write does, in names.
	Summary template.HTML
	// Action is the path the confirm form posts to, with Fields.
	Action string
	Fields []formField
	Button string
	// Back is where Cancel leads.
	Back string
	// Preview is what the write would change; nil when there is none,
	// and PreviewNote says why.
	Preview     *previewView
	PreviewNote string
	// Refused is set when the write would be refused as it stands
	// (unknown role, entity out of place…): no confirm button then.
	Refused string
	// Unknown is set when the user assigned has no account in any
	// workspace: the page says so and its button assigns anyway.
	Unknown string
}

// previewView is a preview as the confirm page shows it: only changes
// on entities where the reader holds VIEW_ASSIGNMENTS.
type previewView struct {
	Users      []userChangeView
	Ineligible []preview.Ineligible
	// Hidden is set when changes on entities the reader may not see were
	// left out.
	Hidden bool
}

type userChangeView struct {
	UserID        string
	Gains, Losses []changeView
}

// changeView is permissions changing on entities, each with what lies
// below it.
type changeView struct {
	Permissions []string
	Entities    []string
}

// confirmWrite answers a preview request: it authorizes the write as it
// would be made (a write the reader may not make is refused here, as it
// would be), previews it, and draws the confirm page.
func (c *Console) confirmWrite(w http.ResponseWriter, r *http.Request, s *userSession, what string, aw authz.AdminWrite, pw preview.Write, b confirmBody) {
	ctx := r.Context()
	if err := authz.AuthorizeAdminWrite(ctx, c.engine, s.Actor(), aw); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	pv, err := c.permissions(ctx, s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	var users, ents []string
	switch {
	case c.previewer == nil:
		b.PreviewNote = "This server cannot preview writes; the change is made as described."
	default:
		res, err := c.previewer.Preview(ctx, pw)
		switch {
		case errors.Is(err, authz.ErrNotFound), errors.Is(err, authz.ErrInvalidRequest):
			b.Refused = fmt.Sprintf("This would be refused: %v", err)
		case err != nil:
			c.log.Error("console: preview", "actor", s.Actor().String(), "what", what, "error", err)
			b.PreviewNote = "The preview could not be computed. The change can still be made."
		default:
			b.Preview = visiblePreview(pv, res)
			for _, u := range b.Preview.Users {
				users = append(users, u.UserID)
				for _, ch := range append(append([]changeView{}, u.Gains...), u.Losses...) {
					ents = append(ents, ch.Entities...)
				}
			}
			for _, in := range b.Preview.Ineligible {
				users, ents = append(users, in.UserID), append(ents, in.TeamID)
			}
		}
	}
	l := c.label(ctx, s, append(users, pw.UserID), append(ents, pw.EntityID, pw.Entity.ID, pw.Entity.ParentID, pw.NewRole.Scope))
	b.Summary = summary(l, pw)
	c.render(w, r, s, http.StatusOK, "confirm", b.Heading, b)
}

// visiblePreview keeps the changes on entities where pv holds
// VIEW_ASSIGNMENTS (and the guests of workspaces there).
func visiblePreview(pv *permView, res preview.Result) *previewView {
	out := &previewView{}
	keep := func(list []preview.Change) []changeView {
		var kept []changeView
		for _, ch := range list {
			var ents []string
			for _, id := range ch.Entities {
				if pv.can(PermViewAssignments, id) {
					ents = append(ents, id)
				}
			}
			if len(ents) < len(ch.Entities) {
				out.Hidden = true
			}
			if len(ents) > 0 {
				kept = append(kept, changeView{Permissions: ch.Permissions, Entities: ents})
			}
		}
		return kept
	}
	for _, u := range res.Users {
		v := userChangeView{UserID: u.UserID, Gains: keep(u.Gains), Losses: keep(u.Losses)}
		if len(v.Gains)+len(v.Losses) > 0 {
			out.Users = append(out.Users, v)
		}
	}
	for _, in := range res.Ineligible {
		if in.TeamID != "" && pv.can(PermViewAssignments, in.TeamID) {
			out.Ineligible = append(out.Ineligible, in)
		} else {
			out.Hidden = true
		}
	}
	sort.SliceStable(out.Users, func(i, j int) bool { return out.Users[i].UserID < out.Users[j].UserID })
	return out
}

// summary says in names what a write does.
func summary(l *labels, w preview.Write) template.HTML {
	role := func(name string) template.HTML {
		return template.HTML(`<code class="role">` + template.HTMLEscapeString(name) + `</code>`)
	}
	switch w.Kind {
	case preview.Assign:
		return "Assign " + role(w.Role) + " to " + l.userHTML(w.UserID) + " on " + l.entityHTML(w.EntityID) + "."
	case preview.Revoke:
		return "Revoke " + role(w.Role) + " from " + l.userHTML(w.UserID) + " on " + l.entityHTML(w.EntityID) + "."
	case preview.PutRole:
		return "Save the custom role " + role(w.NewRole.Name) + " of " + l.entityHTML(w.NewRole.Scope) + " with " +
			template.HTML(template.HTMLEscapeString(permList(w.NewRole.Permissions))) + "."
	case preview.UpsertEntity:
		where := template.HTML("at the top of the tree")
		if w.Entity.ParentID != "" {
			where = "below " + l.entityHTML(w.Entity.ParentID)
		}
		return "Save the " + template.HTML(template.HTMLEscapeString(w.Entity.Type)) + " " + l.entityHTML(w.Entity.ID) + " " + where + "."
	}
	return ""
}

func permList(ps []string) string {
	if len(ps) == 0 {
		return "no permissions"
	}
	out := ""
	for i, p := range ps {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

// assignBack is the assignments page of a user, where assign and revoke
// lead back to.
func (c *Console) assignBack(r *http.Request, user string) string {
	return c.backTo(r, "/assignments?user="+url.QueryEscape(user))
}
