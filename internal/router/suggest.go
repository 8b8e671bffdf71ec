package router

import (
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/pattern"
)

// maxSuggestions bounds the commands a reply suggests.
const maxSuggestions = 3

// usageText answers a message that names a command (near, best first)
// whose arguments do not fit: why (reason, about near[0]), the usage of
// each candidate, and where to read more.
func usageText(near []*compiled, reason string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "That does not fit `%s`: %s.\nUsage:", near[0].cmd.Usage(), reason)
	for i, c := range near {
		if i == maxSuggestions {
			break
		}
		fmt.Fprintf(&b, "\n• `%s`: %s", c.cmd.Usage(), c.cmd.Description)
	}
	if prefix := near[0].pattern.LiteralPrefix(); len(prefix) > 0 {
		fmt.Fprintf(&b, "\nSay `help %s` for more.", prefix[0])
	}
	return b.String()
}

// unknownText answers a message no command starts like, suggesting the
// commands of this channel whose leading words it misspells.
func (r *Router) unknownText(text, channelID string) string {
	reply := fmt.Sprintf("I don't know `%s`.", bot.Escape(clip(text, 80)))
	if near := r.misspelled(text, channelID); len(near) > 0 {
		usages := make([]string, len(near))
		for i, c := range near {
			usages[i] = "`" + c.cmd.Usage() + "`"
		}
		reply += " Did you mean " + strings.Join(usages, " or ") + "?"
	}
	return reply + " Say `help` to see the commands you can use here."
}

// misspelled lists the commands available in channelID whose leading
// words text starts with a few letters off (two edits at most, one for
// short words), closest first, one for each set of leading words.
func (r *Router) misspelled(text, channelID string) []*compiled {
	words := pattern.Fields(pattern.Fold(clip(text, 200)))
	best, bestDist := []*compiled(nil), 3
	seen := map[string]bool{}
	for _, c := range r.availableIn(channelID) {
		prefix := c.pattern.LiteralPrefix()
		if len(prefix) == 0 || len(words) < len(prefix) {
			continue
		}
		want, got := strings.Join(prefix, " "), strings.Join(words[:len(prefix)], " ")
		limit := 2
		if len([]rune(want)) <= 4 {
			limit = 1
		}
		d := editDistance(want, got)
		if d == 0 || d > limit || d > bestDist {
			continue
		}
		if d < bestDist {
			best, bestDist, seen = nil, d, map[string]bool{}
		}
		if !seen[want] && len(best) < maxSuggestions {
			seen[want] = true
			best = append(best, c)
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance between a and b, in runes.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
