package authzsql

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
)

// maxUsersPerQuery bounds the user ids of one read (1 << (sizeClasses-1));
// larger sets are read in several statements.
const (
	sizeClasses      = 9
	maxUsersPerQuery = 1 << (sizeClasses - 1)
)

// userStatements holds one prepared read per size class: 1, 2, 4, ...
// maxUsersPerQuery ids. A read of n users uses the smallest class that
// holds them, repeating the last id to fill it, so that a handful of
// statements serve every batch size.
type userStatements struct {
	db interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}
	// query returns the statement for n ids.
	query func(n int) string
	what  string     // what it reads, for errors
	mu    sync.Mutex // held while preparing
	stmts [sizeClasses]atomic.Pointer[sql.Stmt]
}

// sizeClass returns the statement size that holds n (1 to
// maxUsersPerQuery) ids, and its slot.
func sizeClass(n int) (class, slot int) {
	slot = bits.Len(uint(n - 1))
	return 1 << slot, slot
}

func (u *userStatements) get(ctx context.Context, n int) (*sql.Stmt, int, error) {
	class, slot := sizeClass(n)
	if s := u.stmts[slot].Load(); s != nil {
		return s, class, nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if s := u.stmts[slot].Load(); s != nil {
		return s, class, nil
	}
	s, err := u.db.PrepareContext(ctx, u.query(class))
	if err != nil {
		return nil, 0, fmt.Errorf("prepare read of %s of %d users: %w", u.what, class, err)
	}
	u.stmts[slot].Store(s)
	return s, class, nil
}

func (u *userStatements) close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	var first error
	for i := range u.stmts {
		if s := u.stmts[i].Swap(nil); s != nil {
			if err := s.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
