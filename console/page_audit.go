package console

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// auditBody is the audit page's data.
type auditBody struct {
	Filter  auditFilter
	Kinds   []authz.ChangeKind
	Changes []changeRow
	// Next is the Before value of the next page, the older entries; 0
	// when this one has the oldest.
	Next int64
	// Searched is set when the page stopped after reading as many entries
	// as one page may rather than at its limit: it then says down to
	// which revision.
	Searched int64
	// Limit is the page's size when it is not the default one, for the
	// filter form to keep; 0 otherwise.
	Limit int
	// NextURL is the link to the next page, "" without one; NewestURL
	// the link back to the first page, "" on it.
	NextURL, NewestURL template.URL
}

// changeRow is one audit-log entry the user may see, with the attributes
// that hide it when the user no longer may, and what it changed in
// names.
type changeRow struct {
	authz.Change
	Attrs template.HTMLAttr
	// Record names the changed record.
	Record template.HTML
}

// record names the record a change changed: an assignment's user, role
// and entity, an account's user and team, an entity, a role or a team.
func record(l *labels, ch authz.Change) template.HTML {
	sep := template.HTML(` <span class="muted">·</span> `)
	role := func(n string) template.HTML {
		return template.HTML(`<code class="role">` + template.HTMLEscapeString(n) + `</code>`)
	}
	switch ch.Kind {
	case authz.ChangeAssign, authz.ChangeRevoke, authz.ChangeExpire:
		parts := strings.SplitN(ch.Key, "/", 3)
		if len(parts) == 3 {
			return l.userHTML(parts[0]) + sep + role(parts[1]) + sep + l.entityHTML(parts[2])
		}
	case authz.ChangeAccountType:
		if team, user, ok := strings.Cut(ch.Key, "/"); ok {
			return l.userHTML(user) + " in " + l.entityHTML(team)
		}
	case authz.ChangeEntity, authz.ChangeTeamPrefs:
		return l.entityHTML(ch.Key)
	case authz.ChangeRolePut, authz.ChangeRoleDelete:
		return role(ch.Key)
	}
	return template.HTML(template.HTMLEscapeString(ch.Key))
}

type auditFilter struct {
	Actor, User, Entity, Kind string
	// After is the oldest revision asked for (excluded); Before the page's
	// start (excluded), 0 for the newest.
	After, Before int64
	Limit         int
}

// url is the address of the page of the filter starting below revision
// before (0: the newest entries), under the console's prefix.
func (f auditFilter) url(prefix string, before int64) template.URL {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "user": f.User, "entity": f.Entity, "kind": f.Kind} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.After > 0 {
		q.Set("after", strconv.FormatInt(f.After, 10))
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if f.Limit != defaultAuditLimit {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	u := prefix + "/audit"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return template.URL(u)
}

// auditKinds are the change kinds the filter offers.
var auditKinds = []authz.ChangeKind{authz.ChangeAssign, authz.ChangeRevoke, authz.ChangeExpire, authz.ChangeRolePut, authz.ChangeRoleDelete,
	authz.ChangeAccountType, authz.ChangeTeamPrefs, authz.ChangeEntity, authz.ChangeImport}

// defaultAuditBatch is how many entries one read of the log asks for, and
// defaultAuditScan how many one page reads at most before it offers the
// next page: a user who may see little of a long log gets pages that say
// how far they searched rather than one request that reads it all.
const (
	defaultAuditBatch = 1000
	defaultAuditScan  = 20 * defaultAuditBatch
	// defaultAuditLimit is how many entries a page shows.
	defaultAuditLimit = 50
)

// auditPage serves GET /audit?actor=&user=&entity=&kind=&after=&before=&limit=:
// the change-log entries the user may see (those about entities where
// they hold VIEW_AUDIT_LOG), newest first, filtered, a page at a time:
// before starts a page below that revision, after stops at that one.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	q := r.URL.Query()
	f := auditFilter{Actor: strings.TrimSpace(q.Get("actor")), User: strings.TrimSpace(q.Get("user")),
		Entity: strings.TrimSpace(q.Get("entity")), Kind: q.Get("kind"), Limit: defaultAuditLimit}
	if v, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && v > 0 {
		f.After = v
	}
	if v, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && v > 0 {
		f.Before = v
	}
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 && v <= 1000 {
		f.Limit = v
	}
	b := auditBody{Filter: f, Kinds: auditKinds}
	if f.Limit != defaultAuditLimit {
		b.Limit = f.Limit
	}
	if f.Before > 0 {
		b.NewestURL = f.url(c.opts.Prefix, 0)
	}
	if pv.anywhere(PermViewAuditLog) {
		if err := c.readAudit(r.Context(), pv, &b); err != nil {
			c.readFailed(w, r, s, err)
			return
		}
	}
	var users, ents []string
	for _, ch := range b.Changes {
		users = append(users, ch.UserID, actorUser(ch.Actor))
		ents = append(ents, changeEntities(ch.Change)...)
		ents = append(ents, ch.TeamID, actorTeam(ch.Actor))
		if ch.Kind == authz.ChangeAccountType {
			_, u, _ := strings.Cut(ch.Key, "/")
			users = append(users, u)
		}
	}
	l := c.label(r.Context(), s, users, ents)
	for i := range b.Changes {
		b.Changes[i].Record = record(l, b.Changes[i].Change)
	}
	if b.Next > 0 {
		b.NextURL = f.url(c.opts.Prefix, b.Next)
	}
	c.renderNeeding(w, r, s, PermViewAuditLog, "audit", "Audit log", b)
}

// readAudit fills b with up to Filter.Limit entries pv may see, newest
// first from Filter.Before, reading about c.auditScan entries at most.
func (c *Console) readAudit(ctx context.Context, pv *permView, b *auditBody) error {
	f := b.Filter
	before, scanned := authz.Revision(f.Before), 0
	for {
		batch, err := c.engine.Audit(ctx, authz.ChangeFilter{After: authz.Revision(f.After), Before: before, Newest: true,
			Actor: f.Actor, UserID: f.User, EntityID: f.Entity, Kind: authz.ChangeKind(f.Kind), Limit: c.auditBatch})
		if err != nil {
			return err
		}
		for i, ch := range batch {
			before = ch.Revision
			if sh, ok := pv.changeShown(ch); ok {
				b.Changes = append(b.Changes, changeRow{Change: ch, Attrs: sh.attrs()})
				if len(b.Changes) == f.Limit {
					if i < len(batch)-1 || len(batch) == c.auditBatch {
						b.Next = int64(ch.Revision)
					}
					return nil
				}
			}
		}
		scanned += len(batch)
		if len(batch) < c.auditBatch {
			return nil
		}
		if scanned >= c.auditScan {
			b.Next, b.Searched = int64(before), int64(before)
			return nil
		}
	}
}
