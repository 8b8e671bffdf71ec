package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/sandbox"
)

// shellSession is one run of the shell: who types where, and what of the
// sandbox has been printed.
type shellSession struct {
	sb            *sandbox.Server
	q             *shellQueue
	dir           names.Directory
	team          string
	user, channel string
	in            io.Reader
	out           io.Writer
	interactive   bool
	// printed maps each bot message printed to the text it had.
	printed map[string]string
	// last is the bot's latest post in the current channel: what /react
	// marks unless an approval request is open.
	last, lastApproval string
}

const shellHelp = `Type a bot command as you would after @bastion in Slack (help, whoami, approvals, …).
Shell commands:
  /as @user       type as someone else (a user id, or a name or handle the directory knows)
  /in #channel    move to another channel of the workspace
  /react ✅        add a reaction, as you, to the bot's last approval request (or its last post)
  /unreact ✅      take it back (approvals: withdraw; ❌ rejects)
  /who            say who and where you are
  /help           this list; exit or Ctrl-D leaves`

// run reads lines until the end of input or exit.
func (s *shellSession) run(ctx context.Context) error {
	lines := bufio.NewScanner(s.in)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	if s.interactive {
		fmt.Fprintf(s.out, "Bastion shell: you are %s in %s. /help lists the shell's commands.\n", s.userName(s.user), s.channelName(s.channel))
	}
	for {
		if s.interactive {
			fmt.Fprintf(s.out, "%s in %s> ", s.userName(s.user), s.channelName(s.channel))
		}
		if !lines.Scan() {
			break
		}
		text := strings.TrimSpace(lines.Text())
		switch {
		case text == "":
			continue
		case text == "exit" || text == "quit" || text == "/exit" || text == "/quit":
			return nil
		case strings.HasPrefix(text, "/"):
			if err := s.command(ctx, text); err != nil {
				fmt.Fprintln(s.out, "shell:", err)
			}
		default:
			if _, err := s.sb.PostAsUser(s.team, s.channel, s.user, "<@"+s.sb.BotUserID()+"> "+s.linkify(ctx, text)); err != nil {
				fmt.Fprintln(s.out, "shell:", err)
				continue
			}
		}
		if err := s.settle(ctx); err != nil {
			return err
		}
	}
	if err := lines.Err(); err != nil {
		return fmt.Errorf("shell: read input: %w", err)
	}
	return nil
}

// command runs one of the shell's own commands.
func (s *shellSession) command(ctx context.Context, text string) error {
	verb, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	switch verb {
	case "/help":
		fmt.Fprintln(s.out, shellHelp)
	case "/who":
		fmt.Fprintf(s.out, "You are %s (%s) in %s (%s), workspace %s.\n", s.userName(s.user), s.user, s.channelName(s.channel), s.channel, s.team)
	case "/as":
		id, err := s.findUser(ctx, arg)
		if err != nil {
			return err
		}
		if err := s.join(ctx, id); err != nil {
			return err
		}
		s.user = id
		fmt.Fprintf(s.out, "You are %s (%s) now.\n", s.userName(id), id)
	case "/in":
		id, err := s.findChannel(arg)
		if err != nil {
			return err
		}
		s.channel, s.last, s.lastApproval = id, "", ""
		fmt.Fprintf(s.out, "You are in %s (%s) now.\n", s.channelName(id), id)
	case "/react", "/unreact":
		emoji, err := emojiName(arg)
		if err != nil {
			return err
		}
		target := s.lastApproval
		if target == "" {
			target = s.last
		}
		if target == "" {
			return fmt.Errorf("the bot has posted nothing in %s to react to yet", s.channelName(s.channel))
		}
		if verb == "/react" {
			return s.sb.React(s.team, s.user, s.channel, target, emoji)
		}
		return s.sb.Unreact(s.team, s.user, s.channel, target, emoji)
	default:
		return fmt.Errorf("no shell command %s; /help lists them", verb)
	}
	return nil
}

// settle waits until the bot has finished with everything sent to it
// (the sandbox delivered every event, the queue holds none unacknowledged),
// then prints what it posted and edited meanwhile.
func (s *shellSession) settle(ctx context.Context) error {
	for {
		sbChanged, qChanged := s.sb.Changed(), s.q.Changed()
		if s.sb.Idle() && s.q.Idle() {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-sbChanged:
		case <-qChanged:
		}
	}
	s.print()
	return nil
}

// print writes the bot's new posts and edits in the current channel,
// and its ephemeral messages to the current user.
func (s *shellSession) print() {
	names := shellIDNames{s}
	for _, m := range s.sb.Messages(s.channel) {
		if m.BotID == "" {
			continue
		}
		old, seen := s.printed[m.TS]
		if seen && old == m.Text {
			continue
		}
		s.printed[m.TS] = m.Text
		prefix := "bastion: "
		if seen {
			prefix = "bastion (edited): "
		} else {
			s.last = m.TS
			if strings.HasPrefix(m.Text, "Approval needed") {
				s.lastApproval = m.TS
			}
		}
		fmt.Fprintln(s.out, indentAfterFirst(prefix+renderForTerminal(m.Text, names, s.interactive)))
	}
	for _, m := range s.sb.Ephemerals(s.channel) {
		key := "eph:" + m.TS
		if _, seen := s.printed[key]; seen || m.EphemeralTo != s.user {
			continue
		}
		s.printed[key] = m.Text
		fmt.Fprintln(s.out, indentAfterFirst("bastion (only you): "+renderForTerminal(m.Text, names, s.interactive)))
	}
}

// indentAfterFirst indents the lines of a post after its first.
func indentAfterFirst(text string) string {
	return strings.ReplaceAll(text, "\n", "\n  ")
}

// join makes id a member of the sandbox's workspace, named from the
// directory.
func (s *shellSession) join(ctx context.Context, id string) error {
	if slices.ContainsFunc(s.sb.Users(s.team), func(u sandbox.User) bool { return u.ID == id }) {
		return nil
	}
	u := sandbox.User{ID: id}
	if book, err := names.Read(ctx, s.dir, []names.Key{{Kind: names.User, ID: id}}); err == nil {
		if e, ok := book.Entry(names.User, id); ok {
			u.Name, u.RealName = e.Handle, e.Name
		}
	}
	return s.sb.AddUser(s.team, u)
}

// enter makes sure the channel id exists in the sandbox (one the
// permission service does not know is added, named by its id).
func (s *shellSession) enter(_ context.Context, id string) error {
	for _, c := range s.sb.Channels(s.team) {
		if c.ID == id {
			return nil
		}
	}
	c := sandbox.Channel{ID: id, Name: id}
	switch {
	case strings.HasPrefix(id, "G"):
		c.Type = sandbox.PrivateChannel
	case strings.HasPrefix(id, "D"):
		c.Type, c.User = sandbox.DirectMessage, s.user
	}
	return s.sb.AddChannel(s.team, c)
}

var userID = regexp.MustCompile(`^[UW][A-Z0-9]+$`)

// findUser resolves "@abe", "abe" or "UADMIN2" to a user id: an id as
// written, else the one user of the workspace whose handle or name
// starts with it (or, failing that, contains it).
func (s *shellSession) findUser(ctx context.Context, arg string) (string, error) {
	arg = strings.TrimPrefix(strings.TrimSpace(arg), "@")
	if m := regexp.MustCompile(`^<@([UW][A-Z0-9]+)(\|[^>]*)?>$`).FindStringSubmatch(arg); m != nil {
		return m[1], nil
	}
	if arg == "" {
		return "", fmt.Errorf("/as needs a user: /as @abe or /as UADMIN2")
	}
	if userID.MatchString(arg) {
		return arg, nil
	}
	found, err := s.dir.Search(ctx, names.Query{Kind: names.User, Text: arg, TeamIDs: []string{s.team}, Limit: 20})
	if err != nil {
		return "", fmt.Errorf("find %s: %w", arg, err)
	}
	var prefix []names.Entry
	for _, e := range found {
		if strings.HasPrefix(strings.ToLower(e.Handle), strings.ToLower(arg)) || strings.HasPrefix(strings.ToLower(e.Name), strings.ToLower(arg)) {
			prefix = append(prefix, e)
		}
	}
	if len(prefix) == 1 {
		return prefix[0].ID, nil
	}
	if len(prefix) == 0 && len(found) == 1 {
		return found[0].ID, nil
	}
	if len(found) == 0 {
		return "", fmt.Errorf("nobody in %s is called %q: give a user id (U…)", s.team, arg)
	}
	var which []string
	for _, e := range found {
		which = append(which, fmt.Sprintf("%s (%s)", e.ID, e.Name))
	}
	return "", fmt.Errorf("%q could be %s: say which", arg, strings.Join(which, ", "))
}

// findChannel resolves "#backoffice", "backoffice" or "C2".
func (s *shellSession) findChannel(arg string) (string, error) {
	arg = strings.TrimPrefix(strings.TrimSpace(arg), "#")
	if arg == "" {
		return "", fmt.Errorf("/in needs a channel: /in #backoffice")
	}
	for _, c := range s.sb.Channels(s.team) {
		if c.ID == arg || strings.EqualFold(c.Name, arg) {
			return c.ID, nil
		}
	}
	return "", fmt.Errorf("no channel %q in %s", arg, s.team)
}

var mentionWord = regexp.MustCompile(`(^|\s)([@#])([A-Za-z0-9][A-Za-z0-9._\-]*)`)

// linkify writes @name and #channel as Slack's client would, as
// references, when they name exactly one user or channel.
func (s *shellSession) linkify(ctx context.Context, text string) string {
	return mentionWord.ReplaceAllStringFunc(text, func(w string) string {
		m := mentionWord.FindStringSubmatch(w)
		lead, sigil, word := m[1], m[2], m[3]
		if sigil == "#" {
			if id, err := s.findChannel(word); err == nil {
				return lead + "<#" + id + "|" + s.channelName(id)[1:] + ">"
			}
			return w
		}
		if id, err := s.findUser(ctx, word); err == nil && (!userID.MatchString(word) || id == word) {
			if err := s.join(ctx, id); err == nil {
				return lead + "<@" + id + ">"
			}
		}
		return w
	})
}

// userName is how the shell shows a user: the directory's handle or
// name, else the id.
func (s *shellSession) userName(id string) string {
	for _, u := range s.sb.Users(s.team) {
		if u.ID == id && u.Name != "" && u.Name != id {
			return u.Name
		}
	}
	return id
}

// channelName is "#name", or "#" and the id.
func (s *shellSession) channelName(id string) string {
	for _, c := range s.sb.Channels(s.team) {
		if c.ID == id {
			return "#" + c.Name
		}
	}
	return "#" + id
}

// shellIDNames names ids for the renderer from the session.
type shellIDNames struct{ s *shellSession }

func (n shellIDNames) user(id string) string {
	if name := n.s.userName(id); name != id {
		return name
	}
	if id == n.s.sb.BotUserID() {
		return "bastion"
	}
	if book, err := names.Read(context.Background(), n.s.dir, []names.Key{{Kind: names.User, ID: id}}); err == nil {
		if e, ok := book.Entry(names.User, id); ok && e.Handle != "" {
			return e.Handle
		}
	}
	return ""
}

func (n shellIDNames) channel(id string) string {
	if name := n.s.channelName(id); name != "#"+id {
		return name[1:]
	}
	return ""
}

// emojiName turns ✅, :white_check_mark: or white_check_mark into the
// emoji's name.
func emojiName(arg string) (string, error) {
	arg = strings.Trim(strings.TrimSpace(arg), ":")
	if arg == "" {
		return "", fmt.Errorf("/react needs an emoji: /react ✅ (approve) or /react ❌ (reject)")
	}
	for name, e := range shellEmoji {
		if arg == e || arg == strings.TrimSuffix(e, "\ufe0f") {
			return name, nil
		}
	}
	if !regexp.MustCompile(`^[a-z0-9_+\-]+$`).MatchString(arg) {
		return "", fmt.Errorf("%q is no emoji the shell knows: use its name, e.g. white_check_mark", arg)
	}
	return arg, nil
}
