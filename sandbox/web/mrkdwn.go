package web

import (
	"html"
	"regexp"
	"strconv"
	"strings"
)

// names resolves the ids that Slack text refers to.
type names interface {
	userName(id string) string
	channelName(id string) string
}

// renderMrkdwn turns Slack mrkdwn into safe HTML: every character of text
// is escaped, and only the tags this function writes reach the page. It
// knows bold, italic, strike, inline code, code blocks, emoji names,
// <@U…> and <#C…|name> references, <!here>-style mentions and <url|text>
// links; the rest is shown as written.
func renderMrkdwn(text string, n names) string {
	text = strings.ReplaceAll(text, "\x00", "")
	var b strings.Builder
	for i, part := range strings.Split(text, "```") {
		if i%2 == 1 {
			// Inside a code block: verbatim.
			b.WriteString(`<pre class="code-block">`)
			b.WriteString(html.EscapeString(unescapeSlack(strings.Trim(part, "\n"))))
			b.WriteString(`</pre>`)
			continue
		}
		b.WriteString(renderInline(part, n))
	}
	// An odd number of fences leaves the last block unclosed: Slack shows
	// the backticks then, and so does the split above, minus the fence;
	// that is close enough for a sandbox.
	return b.String()
}

var inlineCode = regexp.MustCompile("`([^`\n]+)`")

// renderInline renders text without code blocks: inline code spans are
// verbatim, the rest gets references and formatting.
func renderInline(text string, n names) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineCode.FindAllStringSubmatchIndex(text, -1) {
		b.WriteString(renderPlain(text[last:m[0]], n))
		b.WriteString("<code>")
		b.WriteString(html.EscapeString(unescapeSlack(text[m[2]:m[3]])))
		b.WriteString("</code>")
		last = m[1]
	}
	b.WriteString(renderPlain(text[last:], n))
	return b.String()
}

var (
	angleRef  = regexp.MustCompile(`<([^<>\n]+)>`)
	emojiName = regexp.MustCompile(`:([a-z0-9_+'-]+):`)
	bold      = regexp.MustCompile(`(^|[^\p{L}\p{N}*])\*([^\s*](?:[^*\n]*[^\s*])?)\*`)
	italic    = regexp.MustCompile(`(^|[^\p{L}\p{N}_])_([^\s_](?:[^_\n]*[^\s_])?)_`)
	strike    = regexp.MustCompile(`(^|[^\p{L}\p{N}~])~([^\s~](?:[^~\n]*[^\s~])?)~`)
	holder    = regexp.MustCompile("\x00([0-9]+)\x00")
)

// renderPlain renders text that holds no code. References and emoji are
// rendered first and parked behind placeholders (NUL, index, NUL; NUL
// cannot occur in the input), the rest is escaped, formatting markers are
// turned into tags, then the placeholders are put back.
func renderPlain(text string, n names) string {
	var parked []string
	park := func(s string) string {
		parked = append(parked, s)
		return "\x00" + strconv.Itoa(len(parked)-1) + "\x00"
	}
	text = angleRef.ReplaceAllStringFunc(text, func(m string) string {
		if out, ok := renderRef(m[1:len(m)-1], n); ok {
			return park(out)
		}
		return m
	})
	text = emojiName.ReplaceAllStringFunc(text, func(m string) string {
		if c, ok := emojiChars[m[1:len(m)-1]]; ok {
			return park(c)
		}
		return m
	})
	out := html.EscapeString(unescapeSlack(text))
	out = bold.ReplaceAllString(out, "$1<b>$2</b>")
	out = italic.ReplaceAllString(out, "$1<i>$2</i>")
	out = strike.ReplaceAllString(out, "$1<s>$2</s>")
	out = strings.ReplaceAll(out, "\n", "<br>")
	return holder.ReplaceAllStringFunc(out, func(m string) string {
		i, err := strconv.Atoi(m[1 : len(m)-1])
		if err != nil || i >= len(parked) {
			return ""
		}
		return parked[i]
	})
}

// renderRef renders the inside of a <…> reference, or reports that it is
// not one (text such as "<subdomain>" is shown as written).
func renderRef(ref string, n names) (string, bool) {
	target, label, _ := strings.Cut(ref, "|")
	switch {
	case strings.HasPrefix(target, "@U") || strings.HasPrefix(target, "@W") || strings.HasPrefix(target, "@B"):
		if label == "" {
			label = n.userName(target[1:])
		}
		return `<span class="mention" data-user="` + html.EscapeString(target[1:]) + `">@` + html.EscapeString(unescapeSlack(label)) + `</span>`, true
	case strings.HasPrefix(target, "#C") || strings.HasPrefix(target, "#G"):
		if label == "" {
			label = n.channelName(target[1:])
		}
		return `<span class="mention channel-ref">#` + html.EscapeString(unescapeSlack(label)) + `</span>`, true
	case strings.HasPrefix(target, "!"):
		name, _, _ := strings.Cut(target[1:], "^")
		if label != "" {
			name = label
		}
		return `<span class="mention">@` + html.EscapeString(unescapeSlack(name)) + `</span>`, true
	case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:"):
		if label == "" {
			label = target
		}
		return `<a href="` + html.EscapeString(unescapeSlack(target)) + `" target="_blank" rel="noopener noreferrer">` +
			html.EscapeString(unescapeSlack(label)) + `</a>`, true
	}
	return "", false
}

// unescapeSlack undoes the three escapes Slack applies to message text.
func unescapeSlack(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
