package access

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/slackbot"
)

// extension is how much Extend adds to g and whether its holder may add
// it alone: the duration first asked for, within the policy's maximum
// for the whole grant when alone, within the maximum from the end
// otherwise.
func (s *Service) extension(g Grant, pol authz.RequestPolicy) (time.Duration, bool) {
	amount := min(max(g.Duration, time.Minute), pol.MaxDuration)
	if !pol.SelfExtend {
		return amount, false
	}
	room := pol.MaxDuration - g.EndsAt.Sub(g.StartsAt)
	if room < time.Minute {
		return amount, false
	}
	return min(amount, room), true
}

// HandleAction takes a click on a reminder's Extend button: a
// self-extension when the policy allows it within the maximum, a new
// request approved as the first one otherwise. Only the holder may
// click; a button extends at most once.
func (s *Service) HandleAction(ctx context.Context, ev slackbot.ActionEvent) error {
	if ev.ActionID != ExtendActionID {
		return nil
	}
	id, endNS, ok := strings.Cut(ev.Value, "@")
	shownEnd, err := strconv.ParseInt(endNS, 10, 64)
	if !ok || err != nil {
		s.log.Warn("extend button with a malformed value", "value", ev.Value)
		return nil
	}
	g, err := s.opts.Store.Grant(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("extend grant %s: %w", id, err)
	case g.TeamID != ev.TeamID:
		s.log.Warn("extend button of another workspace", "grant", id, "team", ev.TeamID)
		return nil
	}
	now := s.opts.Now()
	switch {
	case ev.UserID != g.UserID:
		s.say(ctx, g, fmt.Sprintf("<@%s>, only <@%s> can extend their `%s`.", ev.UserID, g.UserID, g.Role))
		return nil
	case g.State != Active || !g.EndsAt.After(now):
		s.say(ctx, g, fmt.Sprintf("<@%s>, your `%s` has ended: ask again with `request`.", g.UserID, g.Role))
		return nil
	case g.EndsAt.UnixNano() != shownEnd:
		s.say(ctx, g, fmt.Sprintf("<@%s>, your `%s` was extended already: it ends at %s.", g.UserID, g.Role, When(g.EndsAt, now)))
		return nil
	}
	pol, ok := s.opts.Policies.RequestPolicyOf(g.Role)
	if !ok {
		s.say(ctx, g, fmt.Sprintf("`%s` can no longer be requested, so it cannot be extended.", g.Role))
		return nil
	}
	amount, alone := s.extension(g, pol)
	ent := s.entity(ctx, g.EntityID)
	if alone {
		return s.extendAlone(ctx, g, ent, amount, now)
	}
	chat, err := s.chat(ctx, g.TeamID)
	if err != nil {
		return err
	}
	msg := bot.Message{TeamID: g.TeamID, ChannelID: g.ChannelID, UserID: g.UserID, TS: ev.MessageTS, ThreadTS: g.ThreadTS,
		Text: fmt.Sprintf("request %s on %s for %s because %s", g.Role, whereText(ent), Duration(amount), g.Reason)}
	a, problem, err := s.check(ctx, msg, g.Role, whereText(ent), amount, g.Reason)
	if err != nil {
		return err
	}
	req := bot.NewRequest(msg, s.request, nil, threadReply{chat: chat, channelID: g.ChannelID, threadTS: g.ThreadTS})
	if problem != "" {
		return req.Reply(ctx, problem)
	}
	return s.open(ctx, req, a, "their grant ending at "+When(g.EndsAt, now))
}

// extendAlone lengthens g by amount without approvals, once per shown
// end.
func (s *Service) extendAlone(ctx context.Context, g Grant, ent authz.Entity, amount time.Duration, now time.Time) error {
	to := g.EndsAt.Add(amount)
	if err := s.opts.Granter.GrantUntil(ctx, GrantRequest{TeamID: g.TeamID, UserID: g.UserID, Role: g.Role, EntityID: g.EntityID,
		Until: to, RequestID: g.RequestID, Reason: g.Reason}); err != nil {
		return fmt.Errorf("extend %s of %s: %w", g.Role, g.UserID, err)
	}
	won, err := s.opts.Store.ExtendGrant(ctx, g.ID, g.EndsAt, to)
	if err != nil {
		return err
	}
	if !won {
		// Another click on the same button won at the same moment.
		if now, err := s.opts.Store.Grant(ctx, g.ID); err == nil {
			s.say(ctx, g, fmt.Sprintf("<@%s>, your `%s` was extended already: it ends at %s.", g.UserID, g.Role, When(now.EndsAt, s.opts.Now())))
		}
		return nil
	}
	s.say(ctx, g, fmt.Sprintf("<@%s> extended `%s` on %s by %s: it now ends at %s.", g.UserID, g.Role, Place(ent), Duration(amount), When(to, now)))
	return nil
}

// threadReply is a bot.Responder posting in a thread.
type threadReply struct {
	chat interface {
		PostReply(ctx context.Context, channelID, threadTS, text string) (string, error)
	}
	channelID, threadTS string
}

func (r threadReply) Reply(ctx context.Context, text string) error {
	_, err := r.chat.PostReply(ctx, r.channelID, r.threadTS, text)
	return err
}
