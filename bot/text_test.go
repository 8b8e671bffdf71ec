package bot

import "testing"

func TestEscapeWritesReferencesAsReadersSeeThem(t *testing.T) {
	for in, want := range map[string]string{
		"archive <#C4|support>":                             "archive #support",
		"archive <#C4>":                                     "archive #C4",
		"grant <@U1|mia> X":                                 "grant @mia X",
		"grant <@U1> X":                                     "grant @U1 X",
		"ping <!here> and <!subteam^S1|@ops>":               "ping @here and @ops",
		"disable user <mailto:ann@acme.test|ann@acme.test>": "disable user ann@acme.test",
		"see <https://x.test/a?b=1&amp;c|the page>":         "see the page",
		"see <https://x.test/>":                             "see https://x.test/",
		"a `b` & c < d":                                     "a 'b' &amp; c &lt; d",
		"<<@U1>>":                                           "&lt;@U1&gt;",
		"Acme <Corp>":                                       "Acme &lt;Corp&gt;",
		"unclosed <@U1":                                     "unclosed &lt;@U1",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("archive <#C4|support> <!channel> <@U1>")
	f.Fuzz(func(t *testing.T, in string) {
		out := Escape(in)
		for _, r := range out {
			if r == '<' || r == '>' || r == '`' {
				t.Fatalf("Escape(%q) = %q keeps %q", in, out, r)
			}
		}
	})
}
