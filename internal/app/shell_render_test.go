package app

import "testing"

type fixedNames map[string]string

func (n fixedNames) user(id string) string    { return n[id] }
func (n fixedNames) channel(id string) string { return n[id] }

func TestRenderForTerminalShowsWhatSlackWould(t *testing.T) {
	n := fixedNames{"UADMIN": "ada-admin", "C2": "backoffice"}
	for in, want := range map[string]string{
		"*Your roles*\n• `X` on <#C2>":                         "Your roles\n• `X` on #backoffice",
		"asked by <@UADMIN> and <@U9|bob>, <@U8>":              "asked by @ada-admin and @bob, @U8",
		"in <#C4|support> or <#C9>":                            "in #support or #C9",
		"see <https://x.test/a|the docs> or <https://y.test/>": "see the docs (https://x.test/a) or https://y.test/",
		"mail <mailto:a@b.test|a@b.test>":                      "mail a@b.test",
		"react with :white_check_mark: or :x: :custom:":        "react with ✅ or ❌ :custom:",
		"_note_ ~gone~ BACKOFFICE_VIEWER *bold*":               "note gone BACKOFFICE_VIEWER bold",
		"`set <days:int> <@UADMIN>`":                           "`set <days:int> @ada-admin`",
		"> quoted <#C2>\nnext":                                 "│ quoted #backoffice\nnext",
		"Dry run:\n```a &lt;b&gt;\nc```\nafter":                "Dry run:\n\n    a <b>\n    c\n\nafter",
		"1 &amp; 2 &lt;3":                                      "1 & 2 <3",
		"<!here> and <!subteam^S1|@ops>":                       "@here and @ops",
	} {
		if got := renderForTerminal(in, n, false); got != want {
			t.Errorf("render %q:\n got %q\nwant %q", in, got, want)
		}
	}
	if got := renderForTerminal("*b*", n, true); got != "\x1b[1mb\x1b[0m" {
		t.Errorf("bold on a terminal: %q", got)
	}
}

func FuzzRenderForTerminal(f *testing.F) {
	f.Add("*a* <@U1|x> <#C1> ```b``` `c` > d")
	f.Fuzz(func(t *testing.T, in string) {
		renderForTerminal(in, fixedNames{}, true) // must not panic
	})
}
