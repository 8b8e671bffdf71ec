package pattern

import (
	"fmt"
	"strings"
	"unicode"
)

// tokenize splits a pattern into space-separated tokens of literal runs
// and placeholders.
func tokenize(src string) ([]token, error) {
	var tokens []token
	for _, field := range strings.FieldsFunc(src, isSpace) {
		t, err := tokenizeField(field)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, t)
	}
	return tokens, nil
}

func tokenizeField(field string) (token, error) {
	var t token
	rest := field
	for rest != "" {
		open := strings.IndexAny(rest, "<>")
		if open < 0 {
			t = append(t, part{literal: rest})
			break
		}
		if rest[open] == '>' {
			return nil, fmt.Errorf("stray '>' in %q", field)
		}
		if open > 0 {
			t = append(t, part{literal: rest[:open]})
		}
		end := strings.IndexAny(rest[open+1:], "<>")
		if end < 0 || rest[open+1+end] != '>' {
			return nil, fmt.Errorf("unclosed placeholder in %q", field)
		}
		ph, err := parsePlaceholder(rest[open+1 : open+1+end])
		if err != nil {
			return nil, err
		}
		t = append(t, part{placeholder: ph})
		rest = rest[open+1+end+1:]
	}
	return t, nil
}

func parsePlaceholder(inner string) (*Placeholder, error) {
	name, kindText, typed := strings.Cut(inner, ":")
	if !validName(name) {
		return nil, fmt.Errorf("placeholder <%s>: name must be letters, digits or _ and start with a letter", inner)
	}
	kind := Word
	if typed {
		k, ok := parseKind(kindText)
		if !ok {
			return nil, fmt.Errorf("placeholder <%s>: unknown type %q (want word, int, duration, user, channel or text)", inner, kindText)
		}
		kind = k
	}
	return &Placeholder{Name: name, Kind: kind}, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r < 128 && unicode.IsLetter(r):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

// isSpace reports the spaces that \s matches in Go regular expressions.
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
}

// Fields splits text at the spaces patterns treat as separators.
func Fields(text string) []string { return strings.FieldsFunc(text, isSpace) }

// Fold maps s to a canonical case, so that two words are equal under Fold
// exactly when a case-insensitive pattern treats them as equal.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns one fixed member of r's case-folding orbit: the
// smallest, except that ASCII letters fold to lower case.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}
