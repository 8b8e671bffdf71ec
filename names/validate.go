package names

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bastionhq/bastion/authz"
)

// MaxNameRunes bounds a name and a handle, in characters.
const MaxNameRunes = 200

// Validate checks an entry as Set stores it: a known kind and source, an
// id as every other part of Bastion accepts it (authz.ValidateID), and a
// name (and handle, when given) of 1 to MaxNameRunes characters of valid
// UTF-8, without control characters or the bidirectional overrides that
// would make a name read as another, and without leading or trailing
// spaces.
func Validate(e Entry) error {
	if !e.Kind.valid() {
		return fmt.Errorf("%w: unknown kind %q (want user, channel, team or enterprise)", ErrInvalid, e.Kind)
	}
	if err := authz.ValidateID(string(e.Kind), e.ID); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if e.TeamID != "" {
		if err := authz.ValidateID("team", e.TeamID); err != nil {
			return fmt.Errorf("%w: %s %s: %v", ErrInvalid, e.Kind, e.ID, err)
		}
	}
	switch e.Source {
	case FromSlack, FromSandbox, FromCLI, FromImport:
	default:
		return fmt.Errorf("%w: %s %s: unknown source %q", ErrInvalid, e.Kind, e.ID, e.Source)
	}
	if err := checkText("name", e.Name, true); err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrInvalid, e.Kind, e.ID, err)
	}
	if err := checkText("handle", e.Handle, false); err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrInvalid, e.Kind, e.ID, err)
	}
	return nil
}

func checkText(what, s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("the %s is empty", what)
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("the %s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > MaxNameRunes {
		return fmt.Errorf("the %s is %d characters long, at most %d allowed", what, n, MaxNameRunes)
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("the %s %q starts or ends with spaces", what, s)
	}
	for _, r := range s {
		if unsafeRune(r) {
			return fmt.Errorf("the %s %q holds the control character %U", what, s, r)
		}
	}
	return nil
}

// unsafeRune reports control characters and the bidirectional embedding,
// override and isolate characters.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F ||
		r == utf8.RuneError
}

// Clean turns text read from Slack into a name Validate accepts: invalid
// bytes, control characters and bidirectional overrides become spaces,
// runs of spaces one space, and the result is trimmed and cut to
// MaxNameRunes characters. It returns "" when nothing is left.
func Clean(s string) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unsafeRune(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if n == MaxNameRunes {
			break
		}
		if space {
			if n+1 == MaxNameRunes {
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// Fold is the text a search compares: the name, handle and id of an
// entry, lowercased, one per line.
func Fold(e Entry) string {
	return strings.ToLower(e.Name) + "\n" + strings.ToLower(e.Handle) + "\n" + strings.ToLower(e.ID)
}

// FoldQuery is how a search text is compared with Fold: lowercased, with
// control characters dropped (so a query never spans two fields).
func FoldQuery(text string) string {
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(text)))
}
