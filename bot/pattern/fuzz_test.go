package pattern

import (
	"strings"
	"testing"
)

func FuzzCompileAndMatch(f *testing.F) {
	f.Add("set <subdomain> trial remaining to <days:int> days", "set acme trial remaining to 3 days")
	f.Add("grant <u:user> <role> on <c:channel>", "grant <@U1|ann> admin on <#C2|ops>")
	f.Add("say <msg:text>", "say héllo\x00wörld 🎉")
	f.Add("ſkip <d:duration>", "SKIP 1h")
	f.Add("x<a>y<b:int>", "x\xffy12")
	f.Add("<a:user><b>", "<@U1>b")
	f.Add("über <a>", "ÜBER \u00a0x")
	f.Fuzz(func(t *testing.T, src, text string) {
		p, err := Compile(src)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		args, ok, err := p.Match(text)
		if !ok && (args != nil || err != nil) {
			t.Fatalf("no match but args=%v err=%v", args, err)
		}
		if !Overlap(p, p) {
			t.Fatalf("pattern %q does not overlap itself", src)
		}
		s := NewSet()
		if _, err := s.Add(p); err != nil {
			t.Fatal(err)
		}
		if len(text) <= MaxMessageLength {
			r := s.Match(text)
			if r.Found != (ok && err == nil) {
				t.Fatalf("set found=%v, pattern ok=%v err=%v for %q on %q", r.Found, ok, err, src, text)
			}
		}
	})
}

func FuzzSetMatch(f *testing.F) {
	s := NewSet()
	for _, src := range []string{
		"show account <subdomain>",
		"set <subdomain> trial remaining to <days:int> days",
		"grant <u:user> <role> on <c:channel>",
		"snooze <d:duration>",
		"note <rest:text>",
		"<who:user> is on call",
	} {
		if _, err := s.Add(MustCompile(src)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add("show account acme")
	f.Add("set acme trial remaining to 99999999999999999999999 days")
	f.Add("grant <@U1 on <#")
	f.Add(strings.Repeat("note ", 20000))
	f.Add("snooze \u202e1h")
	f.Add("\xff\xfe show")
	f.Fuzz(func(t *testing.T, text string) {
		r := s.Match(text)
		if r.Found && (r.Index < 0 || r.Index >= s.Len()) {
			t.Fatalf("index %d out of range", r.Index)
		}
		if r.Found && len(r.NearMiss) != 0 {
			t.Fatalf("found and near miss at once: %+v", r)
		}
	})
}
