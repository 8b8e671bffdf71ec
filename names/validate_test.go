package names_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bastionhq/bastion/names"
)

func TestCleanMakesSlackTextStorable(t *testing.T) {
	for in, want := range map[string]string{
		"  Mia   Lopez \n":                   "Mia Lopez",
		"Mia\tLopez":                         "Mia Lopez",
		"Mia\u202Eadmin":                     "Mia admin",
		"\x00\x01":                           "",
		"Mi\xffa":                            "Mi a",
		"Zoë 🚀":                              "Zoë 🚀",
		strings.Repeat("a", 250):             strings.Repeat("a", names.MaxNameRunes),
		strings.Repeat("a", 199) + " bcd":    strings.Repeat("a", 199),
		strings.Repeat("é", 198) + "  x y z": strings.Repeat("é", 198) + " x",
	} {
		if got := names.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateNamesTheProblem(t *testing.T) {
	err := names.Validate(names.Entry{Kind: names.User, ID: "U1", Name: "Mia\nAdmin", Source: names.FromCLI})
	if !errors.Is(err, names.ErrInvalid) || !strings.Contains(err.Error(), "user U1") || !strings.Contains(err.Error(), "control character") {
		t.Fatalf("got %v", err)
	}
	if err := names.Validate(names.Entry{Kind: names.Channel, ID: "C1", Name: "backoffice", Source: names.FromSlack}); err != nil {
		t.Fatal(err)
	}
}

func TestParseKind(t *testing.T) {
	if k, err := names.ParseKind("workspace"); err != nil || k != names.Team {
		t.Fatalf("workspace: %v %v", k, err)
	}
	if _, err := names.ParseKind("User"); !errors.Is(err, names.ErrInvalid) {
		t.Fatalf("User: %v", err)
	}
}

// Whatever Slack sends, Clean gives a name Validate accepts, or nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Mia", " a\tb ", "\u202E", "\xff\xfe", strings.Repeat("ab ", 120), "Zoë 🚀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := names.Clean(s)
		if c == "" {
			return
		}
		if !utf8.ValidString(c) || utf8.RuneCountInString(c) > names.MaxNameRunes {
			t.Fatalf("Clean(%q) = %q", s, c)
		}
		if err := names.Validate(names.Entry{Kind: names.User, ID: "U1", Name: c, Handle: c, Source: names.FromSlack}); err != nil {
			t.Fatalf("Clean(%q) = %q, which Validate refuses: %v", s, c, err)
		}
		if names.Clean(c) != c {
			t.Fatalf("Clean is not stable on %q", c)
		}
	})
}

// A search text never holds a line break, so it cannot match across the
// name, handle and id that Fold joins.
func FuzzFoldQuery(f *testing.F) {
	f.Add("Mi\na")
	f.Fuzz(func(t *testing.T, s string) {
		if q := names.FoldQuery(s); strings.ContainsAny(q, "\n\r") {
			t.Fatalf("FoldQuery(%q) = %q", s, q)
		}
	})
}
