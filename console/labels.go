package console

import (
	"context"
	"html"
	"html/template"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/names"
)

// labels are the display names one page shows, read from the directory
// at once. Names are only shown: links, forms and every decision carry
// ids. An id whose name is unknown is shown as the id.
type labels struct {
	book *names.Book
	// types is each entity's type, which says what kind of name it has.
	types map[string]string
}

// kindOf is the kind of name an entity of type t has; false for types
// the directory does not name.
func kindOf(t string) (names.Kind, bool) {
	switch t {
	case authz.TypeEnterprise:
		return names.Enterprise, true
	case authz.TypeWorkspace:
		return names.Team, true
	case authz.TypeChannel:
		return names.Channel, true
	}
	return "", false
}

// entityKind is the kind of name of entity id; an id that is no entity
// is taken for a channel (a direct message, say).
func (l *labels) entityKind(id string) (names.Kind, bool) {
	if t, ok := l.types[id]; ok {
		return kindOf(t)
	}
	return names.Channel, true
}

// readLabels reads the names of users and entities. A directory that
// cannot be read leaves the page with ids (names never decide anything).
func (c *Console) readLabels(ctx context.Context, types map[string]string, users, entities []string) *labels {
	l := &labels{types: types}
	var keys []names.Key
	for _, u := range users {
		if u != "" {
			keys = append(keys, names.Key{Kind: names.User, ID: u})
		}
	}
	for _, e := range entities {
		if k, ok := l.entityKind(e); ok && e != "" {
			keys = append(keys, names.Key{Kind: k, ID: e})
		}
	}
	book, err := names.Read(ctx, c.opts.Names, keys)
	if err != nil {
		c.log.Warn("console: read names; showing ids", "error", err)
	}
	l.book = book
	return l
}

// label reads, for the page s is drawing, the names of users and
// entities, and of the signed-in user and their workspace.
func (c *Console) label(ctx context.Context, s *userSession, users, entities []string) *labels {
	types := map[string]string{}
	if pv, err := c.permissions(ctx, s); err == nil {
		types = pv.types
	}
	s.labels = c.readLabels(ctx, types, append(users, s.UserID), append(entities, s.TeamID))
	return s.labels
}

// userText is a user's name, or the id when none is known.
func (l *labels) userText(id string) string {
	if n := l.book.Name(names.User, id); n != "" {
		return n
	}
	return id
}

// entityText is an entity's name (#name for a channel), or the id.
func (l *labels) entityText(id string) string {
	k, ok := l.entityKind(id)
	if !ok {
		return id
	}
	n := l.book.Name(k, id)
	switch {
	case n == "":
		return id
	case k == names.Channel:
		return "#" + n
	}
	return n
}

// userHTML shows a user by name with the id on hover, or the id.
func (l *labels) userHTML(id string) template.HTML {
	e, ok := l.book.Entry(names.User, id)
	if !ok {
		return idHTML(id)
	}
	hover := id
	if e.Handle != "" && e.Handle != e.Name {
		hover = "@" + e.Handle + " · " + id
	}
	return nameHTML(e.Name, hover, id)
}

// entityHTML shows an entity by name, with its type and id on hover, or
// the id.
func (l *labels) entityHTML(id string) template.HTML {
	text := l.entityText(id)
	if text == id {
		return idHTML(id)
	}
	hover := id
	if t := l.types[id]; t != "" {
		hover = t + " " + id
	}
	return nameHTML(text, hover, id)
}

// actorHTML shows an audit-log actor: "TEAM/USER" as the user's name,
// anything else ("demo-data", "cli:root") as it is.
func (l *labels) actorHTML(actor string) template.HTML {
	team, user, ok := strings.Cut(actor, "/")
	if !ok || authz.ValidateID("team", team) != nil || authz.ValidateID("user", user) != nil {
		return template.HTML(`<span class="actor">` + html.EscapeString(actor) + `</span>`)
	}
	if _, known := l.book.Entry(names.User, user); !known {
		return idHTML(actor)
	}
	return nameHTML(l.userText(user), actor+" (in "+l.entityText(team)+")", actor)
}

func nameHTML(text, hover, id string) template.HTML {
	return template.HTML(`<span class="name" title="` + html.EscapeString(hover) + `" data-id="` + html.EscapeString(id) + `">` +
		html.EscapeString(text) + `</span>`)
}

func idHTML(id string) template.HTML {
	return template.HTML(`<span class="id" title="no name known">` + html.EscapeString(id) + `</span>`)
}
