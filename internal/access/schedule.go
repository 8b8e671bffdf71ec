package access

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// RemindDue reminds the holder of every grant ending within RemindBefore
// of now, with an Extend button, and returns how many this call reminded.
// Each end is reminded of once across processes: the store's
// compare-and-set picks the one that posts.
func (s *Service) RemindDue(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		due, err := s.opts.Store.DueReminders(ctx, now.Add(s.opts.RemindBefore), sweepBatch)
		if err != nil {
			return n, fmt.Errorf("grants to remind of: %w", err)
		}
		for _, g := range due {
			won, err := s.opts.Store.MarkReminded(ctx, g.ID, g.EndsAt)
			if err != nil {
				return n, fmt.Errorf("remind of grant %s: %w", g.ID, err)
			}
			if !won {
				continue
			}
			n++
			if g.EndsAt.After(now) {
				s.remind(ctx, g, now)
			}
		}
		if len(due) < sweepBatch {
			return n, nil
		}
	}
}

// remind posts the reminder in the grant's thread, logging a failure:
// the reminder is not sent twice.
func (s *Service) remind(ctx context.Context, g Grant, now time.Time) {
	ent := s.entity(ctx, g.EntityID)
	text := fmt.Sprintf("<@%s>, your `%s` on %s ends at %s, in %s.", g.UserID, g.Role, Place(ent), When(g.EndsAt, now), Duration(g.EndsAt.Sub(now)))
	label := "Extend"
	if pol, ok := s.opts.Policies.RequestPolicyOf(g.Role); ok {
		if amount, alone := s.extension(g, pol); alone {
			text += fmt.Sprintf(" Extend adds %s at once (up to the %s this role may last).", Duration(amount), Duration(pol.MaxDuration))
			label = "Extend by " + Duration(amount)
		} else {
			text += fmt.Sprintf(" Extend asks again for %s, approved as before.", Duration(amount))
			label = "Ask to extend by " + Duration(amount)
		}
	} else {
		text += " The role can no longer be requested, so it cannot be extended."
	}
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)}
	if label != "Extend" {
		button := slack.NewButtonBlockElement(ExtendActionID, extendValue(g), slack.NewTextBlockObject(slack.PlainTextType, label, false, false)).WithStyle(slack.StylePrimary)
		blocks = append(blocks, slack.NewActionBlock("bastion_access", button))
	}
	chat, err := s.chat(ctx, g.TeamID)
	if err == nil {
		_, err = chat.PostBlocks(ctx, g.ChannelID, g.ThreadTS, text, blocks)
	}
	if err != nil {
		s.log.Warn("post grant reminder", "grant", g.ID, "err", err)
	}
}

// extendValue is the Extend button's value: the grant and the end it was
// shown for, so a button extends at most once.
func extendValue(g Grant) string {
	return g.ID + "@" + strconv.FormatInt(g.EndsAt.UnixNano(), 10)
}

// EndDue tells the thread of every grant whose end has come that it ended
// and returns how many this call told; each end is told once across
// processes. The permission engine stops counting the grant at its end by
// itself; this only says so.
func (s *Service) EndDue(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		due, err := s.opts.Store.DueEnds(ctx, now, sweepBatch)
		if err != nil {
			return n, fmt.Errorf("grants ending: %w", err)
		}
		for _, g := range due {
			won, err := s.opts.Store.EndGrant(ctx, g.ID, g.EndsAt, now)
			if err != nil {
				return n, fmt.Errorf("end grant %s: %w", g.ID, err)
			}
			if !won {
				continue
			}
			n++
			ent := s.entity(ctx, g.EntityID)
			s.say(ctx, g, fmt.Sprintf("`%s` of <@%s> on %s ended at %s.", g.Role, g.UserID, Place(ent), When(g.EndsAt, now)))
		}
		if len(due) < sweepBatch {
			return n, nil
		}
	}
}

// say posts in a grant's thread, logging a failure.
func (s *Service) say(ctx context.Context, g Grant, text string) {
	chat, err := s.chat(ctx, g.TeamID)
	if err == nil {
		_, err = chat.PostReply(ctx, g.ChannelID, g.ThreadTS, text)
	}
	if err != nil {
		s.log.Warn("post in grant thread", "grant", g.ID, "err", err)
	}
}

// Run sends due reminders and tells ends, at once and then every
// SweepEvery until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.opts.SweepEvery)
	defer t.Stop()
	for {
		if _, err := s.RemindDue(ctx, s.opts.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("remind of grants ending", "err", err)
		}
		if _, err := s.EndDue(ctx, s.opts.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("tell grants ended", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
