// Package pattern compiles command patterns such as
// "set <subdomain> trial remaining to <days:int> days" into anchored,
// case-insensitive regular expressions with one named group per
// placeholder, and matches messages against them, yielding typed values.
package pattern

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxPatternLength bounds the source of a pattern.
const MaxPatternLength = 1000

// maxPlaceholders bounds the placeholders of one pattern.
const maxPlaceholders = 32

// Placeholder is one named, typed hole in a pattern.
type Placeholder struct {
	Name string
	Kind Kind
}

// part is a literal run or a placeholder inside one space-separated token.
type part struct {
	literal     string
	placeholder *Placeholder
}

// token is a space-separated element of a pattern.
type token []part

// expression returns the token's regular expression and a text it matches.
func (t token) expression() (expr, sample string) {
	var e, s strings.Builder
	for _, pt := range t {
		if pt.placeholder == nil {
			e.WriteString(regexp.QuoteMeta(pt.literal))
			s.WriteString(pt.literal)
			continue
		}
		fmt.Fprintf(&e, kindRegexp[pt.placeholder.Kind], pt.placeholder.Name)
		s.WriteString(sampleValue[pt.placeholder.Kind])
	}
	return e.String(), s.String()
}

func (t token) isLiteral() bool { return len(t) == 1 && t[0].placeholder == nil }

func (t token) isText() bool {
	return len(t) == 1 && t[0].placeholder != nil && t[0].placeholder.Kind == Text
}

// Pattern is a compiled command pattern.
type Pattern struct {
	source       string
	re           *regexp.Regexp
	tokens       []token
	placeholders []Placeholder
	groupKind    []Kind // by regexp group index; empty for unnamed groups
	tokenRes     []*regexp.Regexp
	tokenSamples []string
}

// Compile parses and validates a pattern. Words are matched literally and
// case-insensitively, runs of spaces match any run of spaces, and
// placeholders are written <name> or <name:type>; see Kind for the types.
func Compile(src string) (*Pattern, error) {
	if len(src) > MaxPatternLength {
		return nil, fmt.Errorf("pattern is %d bytes long, the limit is %d", len(src), MaxPatternLength)
	}
	tokens, err := tokenize(src)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	p := &Pattern{source: strings.Join(strings.Fields(src), " "), tokens: tokens}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	var b strings.Builder
	b.WriteString(`(?is)^\s*`)
	for i, t := range tokens {
		if i > 0 {
			b.WriteString(`\s+`)
		}
		expr, sample := t.expression()
		b.WriteString(expr)
		tre, err := regexp.Compile(`(?is)^` + expr + `$`)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: compile: %w", src, err)
		}
		p.tokenRes = append(p.tokenRes, tre)
		p.tokenSamples = append(p.tokenSamples, sample)
	}
	b.WriteString(`\s*$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("pattern %q: compile: %w", src, err)
	}
	p.re = re
	p.groupKind = make([]Kind, len(re.SubexpNames()))
	kinds := map[string]Kind{}
	for _, ph := range p.placeholders {
		kinds[ph.Name] = ph.Kind
	}
	for i, name := range re.SubexpNames() {
		p.groupKind[i] = kinds[name]
	}
	return p, nil
}

// MustCompile is Compile for patterns fixed in the program; it panics on
// an invalid pattern and must not be used on input.
func MustCompile(src string) *Pattern {
	p, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return p
}

func (p *Pattern) validate() error {
	if len(p.tokens) == 0 {
		return fmt.Errorf("empty pattern")
	}
	seen := map[string]bool{}
	for ti, t := range p.tokens {
		for pi, pt := range t {
			if pt.placeholder == nil {
				continue
			}
			ph := pt.placeholder
			if seen[strings.ToLower(ph.Name)] {
				return fmt.Errorf("placeholder <%s> appears twice", ph.Name)
			}
			seen[strings.ToLower(ph.Name)] = true
			if pi > 0 && t[pi-1].placeholder != nil {
				return fmt.Errorf("placeholders <%s> and <%s> touch: put a space or literal text between them, or the split is ambiguous", t[pi-1].placeholder.Name, ph.Name)
			}
			if ph.Kind == Text && (ti != len(p.tokens)-1 || pi != len(t)-1) {
				return fmt.Errorf("text placeholder <%s> takes the rest of the message, so it must come last", ph.Name)
			}
			if ph.Kind == Text && len(t) > 1 {
				return fmt.Errorf("text placeholder <%s> must stand alone, separated by a space", ph.Name)
			}
			p.placeholders = append(p.placeholders, *ph)
		}
	}
	if len(p.placeholders) > maxPlaceholders {
		return fmt.Errorf("%d placeholders, the limit is %d", len(p.placeholders), maxPlaceholders)
	}
	return nil
}

// String returns the pattern as written, with runs of spaces collapsed; it
// doubles as the command's usage.
func (p *Pattern) String() string { return p.source }

// Placeholders lists the pattern's placeholders in order.
func (p *Pattern) Placeholders() []Placeholder {
	return append([]Placeholder(nil), p.placeholders...)
}

// Regexp returns the compiled expression.
func (p *Pattern) Regexp() *regexp.Regexp { return p.re }

// LiteralPrefix returns the words before the first placeholder, folded to
// a canonical case.
func (p *Pattern) LiteralPrefix() []string {
	var out []string
	for _, t := range p.tokens {
		if !t.isLiteral() {
			break
		}
		out = append(out, Fold(t[0].literal))
	}
	return out
}

// Match matches text against the pattern. It reports ok=false when the text
// does not have the pattern's shape, and an error when it has the shape but
// a value does not convert (an integer out of range, a malformed duration).
func (p *Pattern) Match(text string) (args Args, ok bool, err error) {
	m := p.re.FindStringSubmatch(text)
	if m == nil {
		return nil, false, nil
	}
	args = make(Args, len(p.placeholders))
	for i, raw := range m {
		kind := p.groupKind[i]
		if kind == "" {
			continue
		}
		name := p.re.SubexpNames()[i]
		v, err := convert(kind, raw)
		if err != nil {
			return nil, true, fmt.Errorf("<%s>: %w", name, err)
		}
		args[name] = v
	}
	return args, true, nil
}
