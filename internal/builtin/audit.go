package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// auditKinds are the changes audit shows: who holds which role, and what
// custom roles allow.
var auditKinds = []authz.ChangeKind{authz.ChangeAssign, authz.ChangeRevoke, authz.ChangeExpire, authz.ChangeRolePut, authz.ChangeRoleDelete}

// auditPage is how many change-log entries one read asks for.
const auditPage = 500

// audit shows the last n role changes that concern the caller's
// organisation and that the caller may see (VIEW_AUDIT_LOG on an entity
// the change is about), newest first.
func (c *commands) audit(ctx context.Context, req *bot.Request) error {
	n := DefaultAuditLimit
	if v, ok := req.Args["n"]; ok {
		given := v.(int64)
		if given < 1 || given > MaxAuditLimit {
			return req.Reply(ctx, fmt.Sprintf("Ask for 1 to %d changes.", MaxAuditLimit))
		}
		n = int(given)
	}
	p, err := c.place(ctx, req)
	if err != nil {
		return err
	}
	head, err := c.engine.Sync(ctx)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	v := &auditViewer{c: c, team: req.TeamID, user: req.UserID, root: p.root(), may: map[string]bool{}}
	var all []authz.Change
	for _, kind := range auditKinds {
		got, err := c.tail(ctx, kind, head, n, v)
		if err != nil {
			return err
		}
		all = append(all, got...)
	}
	slices.SortFunc(all, func(a, b authz.Change) int { return int(b.Revision - a.Revision) })
	if len(all) > n {
		all = all[:n]
	}
	if len(all) == 0 {
		return req.Reply(ctx, "No role changes that you may see are recorded in this organisation yet.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Last %d role change(s), newest first:", len(all))
	for _, ch := range all {
		fmt.Fprintf(&b, "\n• r%d %s %s: %s", ch.Revision, ch.At.UTC().Format("2006-01-02 15:04"), actor(ch.Actor), c.describeChange(ctx, ch))
	}
	return req.Reply(ctx, b.String())
}

// tail returns up to the last n changes of kind at or before head that
// v shows, oldest first. It reads windows of growing size back from head,
// so a long log is not read whole.
func (c *commands) tail(ctx context.Context, kind authz.ChangeKind, head authz.Revision, n int, v *auditViewer) ([]authz.Change, error) {
	for window := authz.Revision(64 * n); ; window *= 8 {
		after := max(0, head-window)
		var got []authz.Change
		for from := after; ; {
			page, err := c.engine.Audit(ctx, authz.ChangeFilter{Kind: kind, After: from, Limit: auditPage})
			if err != nil {
				return nil, fmt.Errorf("audit %s: %w", kind, err)
			}
			for _, ch := range page {
				if ch.Revision > head {
					break
				}
				ok, err := v.shows(ctx, ch)
				if err != nil {
					return nil, err
				}
				if ok {
					got = append(got, ch)
				}
			}
			if len(got) > n {
				got = got[len(got)-n:]
			}
			if len(page) < auditPage || page[len(page)-1].Revision >= head {
				break
			}
			from = page[len(page)-1].Revision
		}
		if len(got) >= n || after == 0 {
			return got, nil
		}
	}
}

// auditViewer decides which changes audit shows one caller.
type auditViewer struct {
	c          *commands
	team, user string
	// root is the caller's organisation.
	root string
	// may remembers, by entity, whether the caller holds VIEW_AUDIT_LOG
	// there.
	may map[string]bool
}

// shows reports whether a change is about the organisation under root,
// on an entity where the caller holds VIEW_AUDIT_LOG: an assignment on an
// entity there, or a custom role scoped there (or, for a role that moved,
// scoped there before).
func (v *auditViewer) shows(ctx context.Context, ch authz.Change) (bool, error) {
	entities := []string{ch.EntityID}
	if ch.Kind == authz.ChangeRolePut || ch.Kind == authz.ChangeRoleDelete {
		entities = append(entities, roleScope(ch.After), roleScope(ch.Before))
	}
	for _, e := range entities {
		if e == "" {
			continue
		}
		in, err := within(ctx, v.c.engine, e, v.root)
		if err != nil {
			return false, err
		}
		if !in {
			continue
		}
		ok, err := v.mayView(ctx, e)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// mayView checks, authoritatively and once per entity, whether the caller
// holds VIEW_AUDIT_LOG on entity; an entity that no longer exists shows
// nothing.
func (v *auditViewer) mayView(ctx context.Context, entity string) (bool, error) {
	if ok, seen := v.may[entity]; seen {
		return ok, nil
	}
	res, err := v.c.engine.Check(ctx, authz.EligibilityRequest{TeamID: v.team, UserID: v.user, EntityID: entity,
		Permissions: []string{PermViewAuditLog}, Consistency: authz.Consistency{Mode: authz.Authoritative}})
	switch {
	case errors.Is(err, authz.ErrNotFound):
		v.may[entity] = false
		return false, nil
	case err != nil:
		return false, fmt.Errorf("audit: may %s see changes on %s: %w", v.user, entity, err)
	case len(res.Decisions) != 1:
		return false, fmt.Errorf("audit: may %s see changes on %s: %d decisions for one permission", v.user, entity, len(res.Decisions))
	}
	v.may[entity] = res.Decisions[0].Allowed
	return v.may[entity], nil
}

// roleScope reads the scope of a role from a change's before or after.
func roleScope(doc string) string {
	var r authz.Role
	if doc != "" && json.Unmarshal([]byte(doc), &r) == nil {
		return r.Scope
	}
	return ""
}

// describeChange says in words what a change did.
func (c *commands) describeChange(ctx context.Context, ch authz.Change) string {
	switch ch.Kind {
	case authz.ChangeAssign, authz.ChangeRevoke, authz.ChangeExpire:
		verb, prep := "granted", "to"
		switch ch.Kind {
		case authz.ChangeRevoke:
			verb, prep = "revoked", "from"
		case authz.ChangeExpire:
			verb, prep = "ended", "of"
		}
		role := ch.Key
		if parts := strings.Split(ch.Key, "/"); len(parts) == 3 {
			role = parts[1]
		}
		return fmt.Sprintf("%s `%s` %s %s on %s", verb, role, prep, userMention(ch.UserID), c.describe(ctx, ch.EntityID))
	case authz.ChangeRolePut:
		return fmt.Sprintf("defined custom role `%s`", ch.Key)
	default:
		return fmt.Sprintf("deleted custom role `%s`", ch.Key)
	}
}
