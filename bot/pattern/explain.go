package pattern

import (
	"fmt"
	"strings"
)

// kindWanted says, for a reply, what a value of each kind looks like.
var kindWanted = map[Kind]string{
	Word:     "one word",
	Int:      "a whole number",
	Duration: "a duration such as 90m, 2h or 3d",
	User:     "a person, mentioned as @name",
	Channel:  "a channel, linked as #name",
	Text:     "some text",
}

// maxQuoted bounds how much of a message Explain quotes back.
const maxQuoted = 40

// Explain says, for a person, why text does not match the pattern: the
// first word that is not what the pattern wants there, a value missing
// at the end, or words left over. It returns "" when text matches, and
// a general reason when it cannot point at one word (a value that has
// the right shape but does not convert is explained by Match's error).
// Quoted words are cut short and stripped of backquotes, so the reason
// can be shown inside code formatting.
func (p *Pattern) Explain(text string) string {
	if len(text) > MaxMessageLength {
		text = text[:MaxMessageLength]
	}
	if _, ok, err := p.Match(text); ok {
		if err != nil {
			return err.Error()
		}
		return ""
	}
	words := Fields(text)
	for i, t := range p.tokens {
		if t.isText() {
			if i >= len(words) {
				return fmt.Sprintf("%s is missing at the end", t.describe())
			}
			return "the arguments do not fit"
		}
		if i >= len(words) {
			return fmt.Sprintf("%s is missing at the end", t.describe())
		}
		if p.tokenRes[i].MatchString(words[i]) {
			continue
		}
		if t.isLiteral() {
			return fmt.Sprintf("the word `%s` is expected where you wrote `%s`", quote(t[0].literal), quote(words[i]))
		}
		if len(t) == 1 {
			return fmt.Sprintf("%s must be %s, not `%s`", t.describe(), kindWanted[t[0].placeholder.Kind], quote(words[i]))
		}
		return fmt.Sprintf("`%s` does not have the shape of `%s`", quote(words[i]), quote(t.source()))
	}
	if len(words) > len(p.tokens) {
		return fmt.Sprintf("`%s` is more than the command takes", quote(strings.Join(words[len(p.tokens):], " ")))
	}
	return "the arguments do not fit"
}

// describe names a token for a reply: `<days:int>` or the word `to`.
func (t token) describe() string {
	if t.isLiteral() {
		return fmt.Sprintf("the word `%s`", quote(t[0].literal))
	}
	return "`" + quote(t.source()) + "`"
}

// source writes the token as the pattern did.
func (t token) source() string {
	var b strings.Builder
	for _, pt := range t {
		switch {
		case pt.placeholder == nil:
			b.WriteString(pt.literal)
		case pt.placeholder.Kind == Word:
			fmt.Fprintf(&b, "<%s>", pt.placeholder.Name)
		default:
			fmt.Fprintf(&b, "<%s:%s>", pt.placeholder.Name, pt.placeholder.Kind)
		}
	}
	return b.String()
}

// quote shortens a word of the message for a reply, without backquotes.
func quote(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "…"
	}
	return s
}
