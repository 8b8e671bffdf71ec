package pattern

import (
	"fmt"
	"strings"
)

// MaxMessageLength bounds the text Set.Match looks at; Slack truncates
// messages at 40,000 characters.
const MaxMessageLength = 40000

// Set routes messages among many patterns. It indexes patterns by their
// literal prefix in a trie, so a message is matched only against the
// patterns whose leading words it starts with.
type Set struct {
	patterns []*Pattern
	root     *node
}

type node struct {
	children map[string]*node
	here     []int // patterns whose literal prefix ends at this node
	total    int   // patterns at or below this node
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{root: &node{}} }

// Len reports how many patterns the set holds.
func (s *Set) Len() int { return len(s.patterns) }

// Pattern returns the pattern added at index i.
func (s *Set) Pattern(i int) *Pattern { return s.patterns[i] }

// Add adds p and returns its index. It refuses a pattern that could match
// a text some pattern already in the set matches.
func (s *Set) Add(p *Pattern) (int, error) {
	for _, q := range s.patterns {
		if Overlap(p, q) {
			return 0, fmt.Errorf("pattern %q can match the same messages as %q: add a distinguishing word", p.source, q.source)
		}
	}
	idx := len(s.patterns)
	s.patterns = append(s.patterns, p)
	n := s.root
	n.total++
	for _, w := range p.LiteralPrefix() {
		if n.children == nil {
			n.children = map[string]*node{}
		}
		c := n.children[w]
		if c == nil {
			c = &node{}
			n.children[w] = c
		}
		c.total++
		n = c
	}
	n.here = append(n.here, idx)
	return idx, nil
}

// Result is the outcome of matching a message against a set.
type Result struct {
	// Found is true when a pattern matched; Index and Args describe it.
	Found bool
	Index int
	Args  Args
	// NearMiss lists, when nothing matched, the patterns whose literal
	// prefix the message starts with, longest prefix first: the message
	// named a command but its arguments did not fit.
	NearMiss []int
	// Err explains why the first near miss did not fit when its shape
	// matched but a value did not convert; it is nil otherwise.
	Err error
}

// Match finds the pattern that matches text.
func (s *Set) Match(text string) Result {
	if len(text) > MaxMessageLength {
		text = text[:MaxMessageLength]
	}
	path := s.walk(text)
	var res Result
	for d := len(path) - 1; d >= 0; d-- {
		for _, idx := range path[d].here {
			args, ok, err := s.patterns[idx].Match(text)
			switch {
			case ok && err == nil:
				return Result{Found: true, Index: idx, Args: args}
			case ok && res.Err == nil:
				res.Err = err
				res.NearMiss = append([]int{idx}, res.NearMiss...)
			case d > 0 && !ok:
				res.NearMiss = append(res.NearMiss, idx)
			}
		}
	}
	return res
}

// walk follows the message's leading words down the trie and returns the
// visited nodes, the root first.
func (s *Set) walk(text string) []*node {
	path := make([]*node, 1, 8)
	path[0] = s.root
	n := s.root
	rest := text
	for n.children != nil {
		rest = strings.TrimLeftFunc(rest, isSpace)
		end := strings.IndexFunc(rest, isSpace)
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			break
		}
		c := n.children[Fold(rest[:end])]
		if c == nil {
			break
		}
		path = append(path, c)
		n = c
		rest = rest[end:]
	}
	return path
}

// Overlap reports whether some text could match both patterns, judged
// token by token on their literal skeletons and placeholder types.
func Overlap(a, b *Pattern) bool {
	return overlapFrom(a, b, 0, 0)
}

func overlapFrom(a, b *Pattern, i, j int) bool {
	for {
		endA, endB := i == len(a.tokens), j == len(b.tokens)
		switch {
		case endA && endB:
			return true
		case endA || endB:
			return false
		case a.tokens[i].isText() || b.tokens[j].isText():
			return true // the text takes every remaining token of the other
		case !tokenOverlap(a, i, b, j):
			return false
		}
		i, j = i+1, j+1
	}
}

func tokenOverlap(a *Pattern, i int, b *Pattern, j int) bool {
	ta, tb := a.tokens[i], b.tokens[j]
	if ta.isLiteral() && tb.isLiteral() {
		return Fold(ta[0].literal) == Fold(tb[0].literal)
	}
	return b.tokenRes[j].MatchString(a.tokenSamples[i]) || a.tokenRes[i].MatchString(b.tokenSamples[j])
}
