package router

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/pattern"
)

func (r *Router) helpCommands() []bot.Command {
	return []bot.Command{
		{
			Pattern:     "help",
			Description: "List the commands you can use in this channel.",
			Group:       "Help",
			Handler:     r.helpAll,
		},
		{
			Pattern:     "help <command:text>",
			Description: "Explain one command.",
			Group:       "Help",
			Handler:     r.helpOne,
		},
	}
}

// availableIn returns the commands usable in channelID, in registration order.
func (r *Router) availableIn(channelID string) []*compiled {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*compiled
	for _, c := range r.commands {
		if c.cmd.AllowedIn(channelID) {
			out = append(out, c)
		}
	}
	return out
}

// mayRun returns a mark for help: ✓ allowed, ✗ not, ? unknown (service
// down), # needs a permission and so runs only in a channel (asked in a
// direct message).
func (r *Router) mayRun(ctx context.Context, msg bot.Message, c *bot.Command) string {
	if c.Permission == "" {
		return "✓"
	}
	if msg.Direct {
		return "#"
	}
	d, err := r.check(ctx, msg, c.Permission)
	switch {
	case err != nil:
		return "?"
	case d.Allowed:
		return "✓"
	default:
		return "✗"
	}
}

func (r *Router) helpAll(ctx context.Context, req *bot.Request) error {
	cmds := r.availableIn(req.ChannelID)
	groups := map[string][]*compiled{}
	var order []string
	for _, c := range cmds {
		g := group(&c.cmd)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], c)
	}
	slices.Sort(order)
	var b strings.Builder
	if req.Direct {
		b.WriteString("Commands you can use here (✓ you may run it, # it needs a permission, which roles grant on channels: run it in a channel):")
	} else {
		b.WriteString("Commands you can use here (✓ you may run it, ✗ you may not, ? permission service unavailable):")
	}
	for _, g := range order {
		fmt.Fprintf(&b, "\n*%s*", g)
		for _, c := range groups[g] {
			fmt.Fprintf(&b, "\n%s `%s`: %s", r.mayRun(ctx, req.Message, &c.cmd), c.cmd.Usage(), c.cmd.Description)
			if n := r.ApprovalsNeeded(&c.cmd); n > 0 {
				fmt.Fprintf(&b, " (needs %d approval(s))", n)
			}
		}
	}
	b.WriteString("\nSay `help <command>` for details.")
	return req.Reply(ctx, b.String())
}

func (r *Router) helpOne(ctx context.Context, req *bot.Request) error {
	topic := strings.TrimSpace(req.Args.String("command"))
	matches := r.findCommands(req.ChannelID, topic)
	if len(matches) == 0 {
		return req.Reply(ctx, fmt.Sprintf("No command available here starts with `%s`. Say `help` for the list.", bot.Escape(clip(topic, 80))))
	}
	var b strings.Builder
	for i, c := range matches {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "`%s` (%s)\n%s", c.cmd.Usage(), group(&c.cmd), c.cmd.Description)
		if c.cmd.Permission != "" {
			fmt.Fprintf(&b, "\nNeeds permission %s: %s", c.cmd.Permission, describeMark(r.mayRun(ctx, req.Message, &c.cmd)))
		}
		if n := r.ApprovalsNeeded(&c.cmd); n > 0 {
			fmt.Fprintf(&b, "\nNeeds your approval and %d from other people.", n)
		}
		if len(c.cmd.Channels) > 0 {
			fmt.Fprintf(&b, "\nAvailable in %s.", channelList(c.cmd.Channels))
		}
	}
	return req.Reply(ctx, b.String())
}

// findCommands finds the commands available in channelID that topic names:
// the one a full message would run, else those whose usage starts with it.
func (r *Router) findCommands(channelID, topic string) []*compiled {
	avail := r.availableIn(channelID)
	r.mu.RLock()
	res := r.set.Match(topic)
	var exact *compiled
	if res.Found {
		exact = r.commands[res.Index]
	}
	r.mu.RUnlock()
	if exact != nil && exact.cmd.AllowedIn(channelID) {
		return []*compiled{exact}
	}
	folded := pattern.Fold(strings.Join(pattern.Fields(topic), " "))
	var out []*compiled
	for _, c := range avail {
		if strings.HasPrefix(pattern.Fold(c.cmd.Usage()), folded) {
			out = append(out, c)
		}
	}
	return out
}

func describeMark(mark string) string {
	switch mark {
	case "✓":
		return "you have it here."
	case "✗":
		return "you do not have it here."
	case "#":
		return "roles grant it on channels, so it runs in a channel, not in a direct message."
	default:
		return "the permission service is unavailable."
	}
}
