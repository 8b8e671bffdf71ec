package pattern

import (
	"strings"
	"testing"
	"time"
)

func TestCompileAndMatchTypedValues(t *testing.T) {
	p, err := Compile("set <subdomain> trial remaining to <days:int> days")
	if err != nil {
		t.Fatal(err)
	}
	args, ok, err := p.Match("  SET acme Trial remaining   to 14 DAYS ")
	if !ok || err != nil {
		t.Fatalf("match: ok=%v err=%v", ok, err)
	}
	if args.String("subdomain") != "acme" || args.Int("days") != 14 {
		t.Fatalf("args = %#v", args)
	}
	if _, ok, _ := p.Match("set acme trial remaining to 14 days please"); ok {
		t.Fatal("pattern is not anchored at the end")
	}
	if _, ok, _ := p.Match("please set acme trial remaining to 14 days"); ok {
		t.Fatal("pattern is not anchored at the start")
	}
	if _, ok, _ := p.Match("set acme trial remaining to many days"); ok {
		t.Fatal("int placeholder accepted a word")
	}
}

func TestPlaceholderKinds(t *testing.T) {
	cases := []struct {
		pattern, text, name string
		want                any
	}{
		{"grant <u:user> admin", "grant <@U123ABC> admin", "u", "U123ABC"},
		{"grant <u:user> admin", "grant <@W9|bob> admin", "u", "W9"},
		{"watch <c:channel>", "watch <#C42|ops>", "c", "C42"},
		{"watch <c:channel>", "watch <#G7>", "c", "G7"},
		{"snooze <d:duration>", "snooze 1h30m", "d", 90 * time.Minute},
		{"snooze <d:duration>", "snooze 3d", "d", 72 * time.Hour},
		{"note <who> <rest:text>", "note ann likes  <b>tea</b>\nand &amp; cake", "rest", "likes  <b>tea</b>\nand & cake"},
		{"offset <n:int>", "offset -7", "n", int64(-7)},
		{"ticket #<id:int>", "ticket #55", "id", int64(55)},
	}
	for _, c := range cases {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		args, ok, err := p.Match(c.text)
		if !ok || err != nil {
			t.Fatalf("%s on %q: ok=%v err=%v", c.pattern, c.text, ok, err)
		}
		if args[c.name] != c.want {
			t.Errorf("%s on %q: %s = %#v, want %#v", c.pattern, c.text, c.name, args[c.name], c.want)
		}
	}
}

func TestMatchConversionErrors(t *testing.T) {
	p := MustCompile("wait <d:duration> then <n:int>")
	_, ok, err := p.Match("wait 5 then 1")
	if !ok || err == nil || !strings.Contains(err.Error(), "<d>") {
		t.Fatalf("want a <d> conversion error, got ok=%v err=%v", ok, err)
	}
	_, ok, err = p.Match("wait 5m then 99999999999999999999999")
	if !ok || err == nil || !strings.Contains(err.Error(), "<n>") {
		t.Fatalf("want a <n> range error, got ok=%v err=%v", ok, err)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := map[string]string{
		"":                          "empty pattern",
		"   ":                       "empty pattern",
		"set <a> to <a>":            "appears twice",
		"set <a> to <A:int>":        "appears twice",
		"set <a:float>":             "unknown type",
		"say <msg:text> now":        "must come last",
		"say x<msg:text>":           "must stand alone",
		"join <a><b>":               "touch",
		"open <door":                "unclosed",
		"open door>":                "stray",
		"set <1x>":                  "name must be",
		"set <>":                    "name must be",
		strings.Repeat("a ", 600):   "limit",
		strings.Repeat("<a> ", 40):  "appears twice",
		"set <ä>":                   "name must be",
		"x <a:int:int>":             "unknown type",
		"x <u:user><c:channel>":     "touch",
		"x <rest:text> <more:text>": "must come last",
	}
	for src, want := range cases {
		_, err := Compile(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want error containing %q", src, err, want)
		}
	}
}

func TestLiteralPrefixAndString(t *testing.T) {
	p := MustCompile("Set   PLAN for <account> to <plan>")
	if got := strings.Join(p.LiteralPrefix(), " "); got != "set plan for" {
		t.Fatalf("prefix = %q", got)
	}
	if p.String() != "Set PLAN for <account> to <plan>" {
		t.Fatalf("string = %q", p.String())
	}
}

func TestFoldAgreesWithRegexpCase(t *testing.T) {
	p := MustCompile("skip")
	for _, w := range []string{"SKIP", "ſkip", "sKip"} { // U+017F and U+212A fold to s and k
		if _, ok, _ := p.Match(w); !ok {
			t.Fatalf("regexp does not match %q", w)
		}
		if Fold(w) != "skip" {
			t.Fatalf("Fold(%q) = %q", w, Fold(w))
		}
	}
}
