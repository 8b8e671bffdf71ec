package names

import (
	"context"
	"fmt"
)

// Book holds the names of the ids one page or message shows, read from
// the directory at once.
type Book struct {
	entries map[Key]Entry
}

// Read looks keys up in dir and returns them as a Book. A nil dir gives an
// empty book: everything is then shown by id.
func Read(ctx context.Context, dir Directory, keys []Key) (*Book, error) {
	b := &Book{entries: map[Key]Entry{}}
	if dir == nil || len(keys) == 0 {
		return b, nil
	}
	m, err := dir.Lookup(ctx, keys)
	if err != nil {
		return b, fmt.Errorf("read names: %w", err)
	}
	b.entries = m
	return b, nil
}

// Entry returns the entry of kind and id, if the directory holds one.
func (b *Book) Entry(kind Kind, id string) (Entry, bool) {
	if b == nil {
		return Entry{}, false
	}
	e, ok := b.entries[Key{Kind: kind, ID: id}]
	return e, ok
}

// Name returns the name of kind and id, or "" when none is known.
func (b *Book) Name(kind Kind, id string) string {
	e, _ := b.Entry(kind, id)
	return e.Name
}

// Len is how many names the book holds.
func (b *Book) Len() int {
	if b == nil {
		return 0
	}
	return len(b.entries)
}
