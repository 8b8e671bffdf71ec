package pattern

import (
	"strings"
	"testing"
)

func TestExplainPointsAtTheWordThatDoesNotFit(t *testing.T) {
	for _, tc := range []struct{ pattern, text, want string }{
		{"disable user <email>", "disable user", "`<email>` is missing at the end"},
		{"set <subdomain> trial remaining to <days:int> days", "set acme trial remaining to x days", "`<days:int>` must be a whole number, not `x`"},
		{"set <subdomain> trial remaining to <days:int> days", "set acme trial remaining to 5", "the word `days` is missing at the end"},
		{"set <subdomain> trial remaining to <days:int> days", "set acme trial left to 5 days", "the word `remaining` is expected where you wrote `left`"},
		{"archive <channel:channel>", "archive general", "`<channel:channel>` must be a channel, linked as #name, not `general`"},
		{"grant <user:user> <role>", "grant mia", "`<user:user>` must be a person, mentioned as @name, not `mia`"},
		{"show account <subdomain>", "show account acme now", "`now` is more than the command takes"},
		{"echo <what:text>", "echo", "`<what:text>` is missing at the end"},
		{"wait <d:duration>", "wait 5x", `<d>: "5x" is not a duration`},
		{"show account <subdomain>", "show account acme", ""},
		{"say `x`", "say a`b", "the word `'x'` is expected where you wrote `a'b`"},
	} {
		got := MustCompile(tc.pattern).Explain(tc.text)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%q on %q: %q, want %q", tc.pattern, tc.text, got, tc.want)
		}
	}
}

func FuzzExplain(f *testing.F) {
	f.Add("set <subdomain> trial remaining to <days:int> days", "set acme trial remaining to x days")
	f.Add("grant <user:user> <role> on <where>", "grant <@U1|mia> X on")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		p, err := Compile(pattern)
		if err != nil {
			return
		}
		got := p.Explain(text)
		if _, ok, err := p.Match(text); ok && err == nil && got != "" {
			t.Fatalf("a match explained as %q", got)
		}
	})
}
