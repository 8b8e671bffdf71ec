package bot

import (
	"regexp"
	"strings"
)

// Escape makes text a person typed safe to quote back in a reply, inside
// code formatting or out: Slack's references are written as a reader
// sees them (<#C4|support> as #support, <@U1|mia> as @mia, <!here> as
// @here, a link as its label), which no longer ping anyone or link
// anywhere, and &, <, > and backquotes are neutralised so nothing can
// break out of the formatting.
func Escape(text string) string {
	return escaper.Replace(readable(text))
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "'")

// reference is one of Slack's <…> sequences in message text.
var reference = regexp.MustCompile(`<([^<>\s|]+)(?:\|([^<>]*))?>`)

// readable writes Slack's references in text as a reader sees them.
func readable(text string) string {
	return reference.ReplaceAllStringFunc(text, func(ref string) string {
		m := reference.FindStringSubmatch(ref)
		target, label := m[1], m[2]
		switch {
		case strings.HasPrefix(target, "@"):
			if label != "" {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return target
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + strings.TrimPrefix(label, "#")
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			name, _, _ := strings.Cut(target[1:], "^")
			return "@" + name
		case !strings.Contains(target, ":"):
			return ref // not a link: shown as written, escaped below
		case label != "":
			return label
		default:
			return strings.TrimPrefix(target, "mailto:")
		}
	})
}
