package web

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bastionhq/bastion/sandbox"
)

// Mention encoding never panics, keeps valid UTF-8 valid, and only ever
// adds markup for names it knows.
func FuzzEncodeMentions(f *testing.F) {
	f.Add("@bastion help #general")
	f.Add("@@#<@U1>#.@.")
	f.Add("é@mia-member\u00a0#general…")
	users := []sandbox.User{{ID: "UMEMBER", Name: "mia-member"}}
	channels := []sandbox.Channel{{ID: "C1", Name: "general"}}
	f.Fuzz(func(t *testing.T, text string) {
		out := encodeMentions(text, "bastion", "UBOT", users, channels)
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("%q became invalid UTF-8 %q", text, out)
		}
		added := strings.Count(out, "<@") + strings.Count(out, "<#") - strings.Count(text, "<@") - strings.Count(text, "<#")
		if added < 0 || (added > 0 && !strings.ContainsAny(text, "@#")) {
			t.Fatalf("%q -> %q", text, out)
		}
	})
}
