package access

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/approval"
)

// maxDepth bounds walks up the entity tree, as the engine does.
const maxDepth = authz.MaxDepth

// maxEligibleShown bounds the approvers a request post names.
const maxEligibleShown = 10

// asked is a request as typed, checked against the roles file.
type asked struct {
	role     string
	policy   authz.RequestPolicy
	entity   authz.Entity
	duration time.Duration
	reason   string
}

var channelMention = regexp.MustCompile(`^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$`)

// handleRequest opens the request, or grants it when the approval
// workflow runs it approved (req.Approvers set).
func (s *Service) handleRequest(ctx context.Context, req *bot.Request) error {
	a, problem, err := s.check(ctx, req.Message, req.Args.String("role"), req.Args.String("where"),
		req.Args.Duration("duration"), req.Args.String("reason"))
	if err != nil {
		return err
	}
	if problem != "" {
		return req.Reply(ctx, problem)
	}
	if len(req.Approvers) > 0 {
		return s.grant(ctx, req, a)
	}
	return s.open(ctx, req, a, "")
}

// check resolves and checks what was asked; a problem is the reply that
// refuses it.
func (s *Service) check(ctx context.Context, msg bot.Message, role, where string, d time.Duration, reason string) (asked, string, error) {
	a := asked{role: strings.ToUpper(strings.TrimSpace(role)), duration: d, reason: strings.TrimSpace(reason)}
	pol, ok := s.opts.Policies.RequestPolicyOf(a.role)
	if !ok {
		return a, fmt.Sprintf("`%s` cannot be requested for a while. Roles that can: %s.", bot.Escape(a.role), s.requestable()), nil
	}
	a.policy = pol
	switch {
	case d < time.Minute:
		return a, fmt.Sprintf("Ask for `%s` for at least a minute.", a.role), nil
	case d > pol.MaxDuration:
		return a, fmt.Sprintf("`%s` can be requested for at most %s; you asked for %s.", a.role, Duration(pol.MaxDuration), Duration(d)), nil
	case a.reason == "":
		return a, "Say why: `… because INC-4211`.", nil
	}
	ent, problem, err := s.target(ctx, msg, where)
	if err != nil || problem != "" {
		return a, problem, err
	}
	if !s.opts.Policies.Applies(pol.ApproverPermission, ent.Type) {
		return a, fmt.Sprintf("`%s` cannot be requested on %s: its approvers' permission %s does not apply to a %s.",
			a.role, Place(ent), pol.ApproverPermission, ent.Type), nil
	}
	a.entity = ent
	// A grant with an end would put an end to an assignment held for
	// good: the engine replaces the end of an assignment that exists.
	held, err := s.opts.Directory.Assignments(ctx, authz.AssignmentFilter{UserID: msg.UserID})
	if err != nil {
		return a, "", fmt.Errorf("list the assignments of %s: %w", msg.UserID, err)
	}
	for _, h := range held {
		if h.Role == a.role && h.EntityID == ent.ID && h.ExpiresAt.IsZero() {
			return a, fmt.Sprintf("<@%s> holds `%s` on %s already, with no end: nothing to request.", msg.UserID, a.role, Place(ent)), nil
		}
	}
	return a, "", nil
}

// requestable lists the roles that can be requested, for a reply.
func (s *Service) requestable() string {
	lister, ok := s.opts.Policies.(interface{ RequestableRoles() []string })
	if !ok {
		return "see the roles file"
	}
	roles := lister.RequestableRoles()
	if len(roles) == 0 {
		return "none"
	}
	return "`" + strings.Join(roles, "`, `") + "`"
}

// target resolves where the role is asked for: a channel mention, `here`
// or `workspace`, in the message's workspace.
func (s *Service) target(ctx context.Context, msg bot.Message, where string) (authz.Entity, string, error) {
	where = strings.TrimSpace(where)
	var id string
	switch w := strings.ToLower(where); {
	case w == "here" || w == "this channel":
		id = msg.ChannelID
	case w == "workspace":
		id = msg.TeamID
	default:
		m := channelMention.FindStringSubmatch(where)
		if m == nil {
			return authz.Entity{}, fmt.Sprintf("`%s` is not a channel, `here` or `workspace`.", bot.Escape(where)), nil
		}
		id = m[1]
	}
	ent, err := s.opts.Directory.Entity(ctx, id)
	if errors.Is(err, authz.ErrNotFound) {
		return authz.Entity{}, fmt.Sprintf("The permission service does not know %s.", Place(authz.Entity{ID: id, Type: typeOf(id)})), nil
	}
	if err != nil {
		return authz.Entity{}, "", fmt.Errorf("look up %s: %w", id, err)
	}
	in, err := s.within(ctx, ent, msg.TeamID)
	if err != nil {
		return authz.Entity{}, "", err
	}
	if !in {
		return authz.Entity{}, fmt.Sprintf("%s is not part of this workspace.", Place(ent)), nil
	}
	return ent, "", nil
}

// within reports whether ent is the workspace teamID or lies below it.
func (s *Service) within(ctx context.Context, ent authz.Entity, teamID string) (bool, error) {
	for d := 0; d < maxDepth; d++ {
		if ent.ID == teamID {
			return true, nil
		}
		if ent.ParentID == "" {
			return false, nil
		}
		var err error
		if ent, err = s.opts.Directory.Entity(ctx, ent.ParentID); err != nil {
			return false, fmt.Errorf("look up %s: %w", ent.ParentID, err)
		}
	}
	return false, nil
}

// typeOf guesses an unknown id's type for a message.
func typeOf(id string) string {
	if strings.HasPrefix(id, "C") || strings.HasPrefix(id, "G") {
		return authz.TypeChannel
	}
	return ""
}

// Place names an entity in a message: a channel as a mention, anything
// else by type and id.
func Place(ent authz.Entity) string {
	if ent.Type == authz.TypeChannel {
		return "<#" + ent.ID + ">"
	}
	if ent.Type == "" {
		return ent.ID
	}
	return ent.Type + " " + ent.ID
}

// whereText is how the request command names ent, so that it matches
// again.
func whereText(ent authz.Entity) string {
	if ent.Type == authz.TypeChannel {
		return "<#" + ent.ID + ">"
	}
	return "workspace"
}

// open posts the request for approval: who asks, what, for how long and
// why, and who may approve. extension, when set, says which grant it
// would lengthen.
func (s *Service) open(ctx context.Context, req *bot.Request, a asked, extension string) error {
	users, _, err := s.opts.Directory.LookupUsers(ctx, req.TeamID, a.entity.ID, a.policy.ApproverPermission)
	if err != nil {
		return fmt.Errorf("who may approve %s on %s: %w", a.role, a.entity.ID, err)
	}
	eligible := slices.DeleteFunc(slices.Clone(users), func(u string) bool { return u == req.UserID })
	slices.Sort(eligible)
	if len(eligible) < a.policy.Approvals {
		return req.Reply(ctx, fmt.Sprintf("`%s` needs %d approval(s) from people with %s on %s other than <@%s>, and only %d hold it: nobody could approve this request. Ask someone who assigns roles there.",
			a.role, a.policy.Approvals, a.policy.ApproverPermission, Place(a.entity), req.UserID, len(eligible)))
	}
	shown := eligible
	if len(shown) > maxEligibleShown {
		shown = shown[:maxEligibleShown]
	}
	verb := "requests"
	if extension != "" {
		verb = "asks to extend " + extension + ":"
	}
	summary := fmt.Sprintf("<@%s> %s `%s` on %s for %s, because: %s", req.UserID, verb, a.role, Place(a.entity), Duration(a.duration), bot.Escape(clipText(a.reason, 300)))
	return s.opts.Approvals.OpenRequest(ctx, req, approval.Spec{
		Needed: a.policy.Approvals, Permission: a.policy.ApproverPermission, EntityID: a.entity.ID,
		Summary: summary, Eligible: shown,
	})
}

// grant writes the approved grant into the engine and records it; the
// approval workflow runs this once per request.
func (s *Service) grant(ctx context.Context, req *bot.Request, a asked) error {
	now := s.opts.Now()
	id := GrantID(req.TeamID, req.UserID, a.role, a.entity.ID)
	g := Grant{ID: id, TeamID: req.TeamID, UserID: req.UserID, Role: a.role, EntityID: a.entity.ID,
		ChannelID: req.ChannelID, ThreadTS: req.ThreadTS, RequestID: approval.ID(req.TeamID, req.ChannelID, req.TS),
		Reason: a.reason, Duration: a.duration, StartsAt: now, EndsAt: now.Add(a.duration), State: Active}
	for _, u := range req.Approvers {
		if u != req.UserID && !slices.Contains(g.Approvers, u) {
			g.Approvers = append(g.Approvers, u)
		}
	}
	slices.Sort(g.Approvers)
	extended := false
	prev, err := s.opts.Store.Grant(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return fmt.Errorf("grant %s: %w", a.role, err)
	case prev.State == Active && prev.EndsAt.After(now):
		// A grant still held is lengthened from its end, never beyond
		// the maximum from now.
		extended = true
		g.StartsAt, g.EndsAt = prev.StartsAt, prev.EndsAt.Add(a.duration)
		if limit := now.Add(a.policy.MaxDuration); g.EndsAt.After(limit) {
			g.EndsAt = limit
		}
		g.ChannelID, g.ThreadTS = prev.ChannelID, prev.ThreadTS
	}
	if err := s.opts.Granter.GrantUntil(ctx, GrantRequest{TeamID: g.TeamID, UserID: g.UserID, Role: g.Role, EntityID: g.EntityID,
		Until: g.EndsAt, RequestID: g.RequestID, Reason: g.Reason, Approvers: g.Approvers}); err != nil {
		return fmt.Errorf("grant %s to %s on %s: %w", a.role, req.UserID, a.entity.ID, err)
	}
	if err := s.opts.Store.PutGrant(ctx, g); err != nil {
		return fmt.Errorf("record grant of %s to %s: %w", a.role, req.UserID, err)
	}
	verb := "Granted"
	if extended {
		verb = "Extended"
	}
	return req.Reply(ctx, fmt.Sprintf("%s `%s` to <@%s> on %s until %s (%s from now), approved by %s. Reason: %s",
		verb, a.role, req.UserID, Place(a.entity), When(g.EndsAt, now), Duration(g.EndsAt.Sub(now)), mentions(g.Approvers), bot.Escape(clipText(a.reason, 300))))
}

// handleMyAccess lists the caller's assignments that have an end still
// to come, as the engine holds them (however they were made: a request
// here, or the command line's --for), with the reason of this package's
// record when there is one.
func (s *Service) handleMyAccess(ctx context.Context, req *bot.Request) error {
	now := s.opts.Now()
	held, err := s.opts.Directory.Assignments(ctx, authz.AssignmentFilter{UserID: req.UserID})
	if err != nil {
		return fmt.Errorf("list the assignments of %s: %w", req.UserID, err)
	}
	held = slices.DeleteFunc(held, func(a authz.Assignment) bool { return a.ExpiresAt.IsZero() || !a.ExpiresAt.After(now) })
	slices.SortFunc(held, func(a, b authz.Assignment) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	var b strings.Builder
	for _, a := range held {
		ent := s.entity(ctx, a.EntityID)
		in, err := s.within(ctx, ent, req.TeamID)
		if err != nil || !in {
			continue
		}
		reason := a.Reason
		if g, err := s.opts.Store.Grant(ctx, GrantID(req.TeamID, req.UserID, a.Role, a.EntityID)); err == nil && g.State == Active {
			reason = g.Reason
		}
		fmt.Fprintf(&b, "\n• `%s` on %s until %s (%s left)", a.Role, Place(ent), When(a.ExpiresAt, now), Duration(a.ExpiresAt.Sub(now)))
		if reason != "" {
			fmt.Fprintf(&b, ", because: %s", bot.Escape(clipText(reason, 200)))
		}
	}
	if b.Len() == 0 {
		return req.Reply(ctx, "You hold no role for a while. Ask with `request <role> on <#channel> for 2h because <reason>`.")
	}
	return req.Reply(ctx, "Your temporary access:"+b.String())
}

// entity reads an entity for a message, falling back to its id.
func (s *Service) entity(ctx context.Context, id string) authz.Entity {
	ent, err := s.opts.Directory.Entity(ctx, id)
	if err != nil {
		return authz.Entity{ID: id, Type: typeOf(id)}
	}
	return ent
}

func mentions(users []string) string {
	if len(users) == 0 {
		return "nobody"
	}
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = "<@" + u + ">"
	}
	return strings.Join(out, ", ")
}

// clipText shortens s to at most n runes.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
