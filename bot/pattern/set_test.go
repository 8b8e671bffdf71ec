package pattern

import (
	"strings"
	"testing"
)

func newSet(t *testing.T, patterns ...string) *Set {
	t.Helper()
	s := NewSet()
	for _, src := range patterns {
		if _, err := s.Add(MustCompile(src)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestSetRoutesToTheMatchingPattern(t *testing.T) {
	s := newSet(t,
		"show account <subdomain>",
		"set <subdomain> trial remaining to <days:int> days",
		"set plan of <subdomain> to <plan>",
		"<who:user> is on call",
		"help",
		"help <topic:text>",
	)
	cases := map[string]int{
		"show account acme":                     0,
		"set acme trial remaining to 3 days":    1,
		"SET PLAN of acme to pro":               2,
		"<@U1> is on call":                      3,
		"help":                                  4,
		"help set plan":                         5,
		"  show   account\tacme  ":              0,
		"set plan trial remaining to 3 days":    1, // "plan" as a subdomain
		"set plan of plan to plan":              2,
		"help show account <subdomain> details": 5,
	}
	for text, want := range cases {
		r := s.Match(text)
		if !r.Found || r.Index != want {
			t.Errorf("Match(%q) = %+v, want pattern %d", text, r, want)
		}
	}
}

func TestSetNearMiss(t *testing.T) {
	s := newSet(t, "show account <subdomain>", "set <subdomain> trial remaining to <days:int> days", "set plan of <subdomain> to <plan>")
	r := s.Match("show account")
	if r.Found || len(r.NearMiss) != 1 || r.NearMiss[0] != 0 {
		t.Fatalf("near miss = %+v", r)
	}
	r = s.Match("set plan of acme")
	if r.Found || len(r.NearMiss) != 2 || r.NearMiss[0] != 2 {
		t.Fatalf("want the longer prefix first, got %+v", r)
	}
	r = s.Match("set acme trial remaining to 99999999999999999999 days")
	if r.Found || len(r.NearMiss) == 0 || r.NearMiss[0] != 1 || r.Err == nil {
		t.Fatalf("want a conversion error on pattern 1, got %+v", r)
	}
	r = s.Match("dance")
	if r.Found || len(r.NearMiss) != 0 {
		t.Fatalf("unknown command reported as near miss: %+v", r)
	}
}

func TestSetRejectsOverlappingPatterns(t *testing.T) {
	cases := [][2]string{
		{"show <a>", "SHOW <b>"},
		{"show <a>", "show <n:int>"},
		{"show <a> plan", "show acme <b>"},
		{"show <rest:text>", "show <a> plan"},
		{"wait <n:int>", "wait <d:duration>"},
		{"ticket #<id:int>", "ticket <w>"},
	}
	for _, c := range cases {
		s := newSet(t, c[0])
		if _, err := s.Add(MustCompile(c[1])); err == nil || !strings.Contains(err.Error(), "same messages") {
			t.Errorf("%q then %q: err = %v, want overlap", c[0], c[1], err)
		}
	}
	distinct := [][2]string{
		{"grant <u:user> admin", "grant <c:channel> admin"},
		{"show <a>", "show <a> <b>"},
		{"show <n:int>", "show all"},
		{"ticket #<id:int>", "ticket <c:channel>"},
		{"help", "help <topic:text>"},
	}
	for _, c := range distinct {
		newSet(t, c[0], c[1])
	}
}
