package pattern

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a placeholder.
type Kind string

// Placeholder kinds, written after a colon in a pattern: <days:int>.
const (
	// Word is one token without spaces; the default when no type is given.
	Word Kind = "word"
	// Int is a base-10 integer, optionally signed.
	Int Kind = "int"
	// Duration is a Go duration such as 90m or 1h30m, or whole days such as 3d.
	Duration Kind = "duration"
	// User is a Slack user mention, <@U123> or <@U123|name>; the value is the user id.
	User Kind = "user"
	// Channel is a Slack channel mention, <#C123> or <#C123|name>; the value is the channel id.
	Channel Kind = "channel"
	// Text is the rest of the message, spaces included; only the last placeholder may be text.
	Text Kind = "text"
)

// kindRegexp is the expression each kind matches, with %s standing for the
// named group that captures the value.
var kindRegexp = map[Kind]string{
	Word:     `(?P<%s>\S+)`,
	Int:      `(?P<%s>[+-]?[0-9]+)`,
	Duration: `(?P<%s>[0-9][0-9a-zµ.]*)`,
	User:     `<@(?P<%s>[UW][A-Z0-9]+)(?:\|[^>\s]*)?>`,
	Channel:  `<#(?P<%s>[CGD][A-Z0-9]+)(?:\|[^>\s]*)?>`,
	Text:     `(?P<%s>\S.*)`,
}

// sampleValue is a text each kind accepts, used to detect overlapping patterns.
var sampleValue = map[Kind]string{
	Word:     "x",
	Int:      "1",
	Duration: "1h",
	User:     "<@U1>",
	Channel:  "<#C1>",
	Text:     "x",
}

func parseKind(s string) (Kind, bool) {
	k := Kind(strings.ToLower(s))
	_, ok := kindRegexp[k]
	return k, ok
}

// convert turns the captured text of a placeholder into its typed value.
func convert(k Kind, raw string) (any, error) {
	switch k {
	case Int:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number in range", raw)
		}
		return n, nil
	case Duration:
		return parseDuration(raw)
	case Word, Text:
		return unescapeSlack(raw), nil
	default:
		return strings.ToUpper(raw), nil
	}
}

// parseDuration accepts Go durations and a whole number of days ("3d").
func parseDuration(raw string) (time.Duration, error) {
	lower := strings.ToLower(raw)
	if days, ok := strings.CutSuffix(lower, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 32)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("%q is not a duration (try 90m, 2h or 3d)", raw)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(lower)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (try 90m, 2h or 3d)", raw)
	}
	return d, nil
}

// unescapeSlack undoes the three entities Slack uses in message text.
func unescapeSlack(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
