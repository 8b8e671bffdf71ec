package names

import (
	"context"
	"fmt"
)

// maxSuggestions bounds the users SuggestUsers returns.
const maxSuggestions = 3

// SuggestUsers lists users of dir that text may have been meant for (a
// name typed where an id belongs, or an id a letter off), each as
// "ID (name)", best first, at most three: those whose name, handle or id
// contains text, else those sharing its first three characters. Returns
// an error if dir cannot be searched.
func SuggestUsers(ctx context.Context, dir Directory, text string) ([]string, error) {
	if dir == nil || FoldQuery(text) == "" {
		return nil, nil
	}
	found, err := dir.Search(ctx, Query{Kind: User, Text: text, Limit: maxSuggestions})
	if err != nil {
		return nil, fmt.Errorf("suggest users for %q: %w", text, err)
	}
	if r := []rune(FoldQuery(text)); len(found) == 0 && len(r) > 3 {
		if found, err = dir.Search(ctx, Query{Kind: User, Text: string(r[:3]), Limit: maxSuggestions}); err != nil {
			return nil, fmt.Errorf("suggest users for %q: %w", text, err)
		}
	}
	out := make([]string, 0, len(found))
	for _, e := range found {
		if e.ID == text {
			continue
		}
		s := e.ID
		if e.Name != "" {
			s += " (" + e.Name + ")"
		}
		out = append(out, s)
	}
	return out, nil
}
