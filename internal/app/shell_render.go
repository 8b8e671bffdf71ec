package app

import (
	"regexp"
	"strings"
)

// shellNames names the ids a message refers to, for the terminal; it
// returns "" for an id it does not know.
type shellNames interface {
	user(id string) string
	channel(id string) string
}

// shellEmoji are the emoji names the shell shows as emoji and takes as
// /react arguments.
var shellEmoji = map[string]string{
	"white_check_mark": "✅", "x": "❌", "eyes": "👀", "+1": "👍", "-1": "👎",
	"hourglass": "⌛", "hourglass_flowing_sand": "⏳", "warning": "⚠️", "tada": "🎉",
	"heavy_check_mark": "✔️", "no_entry": "⛔",
}

var (
	shellRef    = regexp.MustCompile(`<([^<>\s|]+)(?:\|([^<>]*))?>`)
	shellBold   = regexp.MustCompile(`(^|[\s(\[>"'])\*([^*\n]+)\*([\s).,:;!?\]"']|$)`)
	shellItalic = regexp.MustCompile(`(^|[\s(\[>"'])_([^_\n]+)_([\s).,:;!?\]"']|$)`)
	shellStrike = regexp.MustCompile(`(^|[\s(\[>"'])~([^~\n]+)~([\s).,:;!?\]"']|$)`)
	shellEmojiN = regexp.MustCompile(`:([a-z0-9_+\-]+):`)
)

// renderForTerminal turns Slack mrkdwn into plain terminal text: mentions
// and channel links by name (@abe-admin, #backoffice), links as "label
// (url)", bold, italic and strike marks dropped (bold in ANSI when bold
// is set), code blocks indented, quotes marked with a bar, and Slack's
// &amp; &lt; &gt; undone. Inline code keeps its backquotes.
func renderForTerminal(text string, n shellNames, bold bool) string {
	var b strings.Builder
	for i, part := range strings.Split(text, "```") {
		if i%2 == 1 {
			for _, line := range strings.Split(strings.Trim(part, "\n"), "\n") {
				b.WriteString("\n    " + unescapeEntities(line))
			}
			b.WriteString("\n")
			continue
		}
		b.WriteString(renderInlineForTerminal(part, n, bold))
	}
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "\n\n\n", "\n\n"))
}

func renderInlineForTerminal(text string, n shellNames, bold bool) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if rest, ok := strings.CutPrefix(line, "&gt; "); ok {
			line = "│ " + rest
		} else if rest, ok := strings.CutPrefix(line, "> "); ok {
			line = "│ " + rest
		}
		// Code spans are left alone; the rest is rendered.
		parts := strings.Split(line, "`")
		for j := range parts {
			if j%2 == 1 && j < len(parts)-1 {
				parts[j] = unescapeEntities(references(parts[j], n, true))
				continue
			}
			parts[j] = unescapeEntities(styles(references(parts[j], n, false), bold))
		}
		lines[i] = strings.Join(parts, "`")
	}
	return strings.Join(lines, "\n")
}

// references writes Slack's <…> references as a reader sees them; in
// code (inCode), only mentions and channel links, as a usage's
// <days:int> is no link.
func references(text string, n shellNames, inCode bool) string {
	return shellRef.ReplaceAllStringFunc(text, func(ref string) string {
		m := shellRef.FindStringSubmatch(ref)
		target, label := m[1], m[2]
		switch {
		case inCode && !strings.HasPrefix(target, "@") && !strings.HasPrefix(target, "#") && !strings.HasPrefix(target, "!"):
			return ref
		case strings.HasPrefix(target, "@"):
			if name := n.user(target[1:]); name != "" {
				return "@" + name
			}
			if label != "" {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return target
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + strings.TrimPrefix(label, "#")
			}
			if name := n.channel(target[1:]); name != "" {
				return "#" + name
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			name, _, _ := strings.Cut(target[1:], "^")
			return "@" + name
		case !strings.Contains(target, ":"):
			return ref
		case label != "" && label != strings.TrimPrefix(target, "mailto:"):
			return label + " (" + target + ")"
		default:
			return strings.TrimPrefix(target, "mailto:")
		}
	})
}

// styles drops mrkdwn's style marks (bold in ANSI when bold is set) and
// shows known emoji names as emoji.
func styles(text string, bold bool) string {
	strong := "$1$2$3"
	if bold {
		strong = "$1\x1b[1m$2\x1b[0m$3"
	}
	text = shellBold.ReplaceAllString(text, strong)
	text = shellItalic.ReplaceAllString(text, "$1$2$3")
	text = shellStrike.ReplaceAllString(text, "$1$2$3")
	return shellEmojiN.ReplaceAllStringFunc(text, func(s string) string {
		if e, ok := shellEmoji[strings.Trim(s, ":")]; ok {
			return e
		}
		return s
	})
}

func unescapeEntities(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
