// Package names is Bastion's directory of display names: what people call
// the users, channels, workspaces and enterprises that everything else
// knows by id.
//
// Ids stay the keys everywhere. A name is for people to read and to search
// by; it never decides anything: no authorization looks at a name, and no
// name is turned back into an id except by choosing an entry whose id is
// then used as it is.
//
// Names come from several places. Slack fills them (users.info,
// conversations.info, team.info with each installation's token, and the
// user_change and channel_rename events), the local sandbox fills them in
// development, and people set them by hand with the command line or a bulk
// import. Filled names are learned: Learn replaces an entry only when
// nobody set it by hand. Names set by hand are pinned: they stay until
// they are set again or unset.
//
// store/namesql keeps the directory in the SQL store.
package names

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is what an id names.
type Kind string

// Kinds of ids the directory names.
const (
	User       Kind = "user"
	Channel    Kind = "channel"
	Team       Kind = "team"
	Enterprise Kind = "enterprise"
)

// Kinds lists every kind, in the order the command line shows them.
func Kinds() []Kind { return []Kind{User, Channel, Team, Enterprise} }

func (k Kind) valid() bool { return k == User || k == Channel || k == Team || k == Enterprise }

// ParseKind reads a kind; "workspace" is accepted for Team.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "user", "channel", "team", "enterprise":
		return Kind(s), nil
	case "workspace":
		return Team, nil
	}
	return "", fmt.Errorf("%w: unknown kind %q (want user, channel, team or enterprise)", ErrInvalid, s)
}

// Source says where a name came from.
type Source string

// Sources of names.
const (
	// FromSlack is a name read from Slack's Web API or events.
	FromSlack Source = "slack"
	// FromSandbox is a name from the local Slack sandbox (bastion dev).
	FromSandbox Source = "sandbox"
	// FromCLI is a name set with `bastion names set`.
	FromCLI Source = "cli"
	// FromImport is a name set by a bulk import.
	FromImport Source = "import"
)

// Key identifies an entry: a kind and an id, compared byte for byte.
type Key struct {
	Kind Kind
	ID   string
}

// String is "kind:id".
func (k Key) String() string { return string(k.Kind) + ":" + k.ID }

// Entry is the display name of one id.
type Entry struct {
	Kind Kind
	ID   string
	// Name is what people are shown: "Mia Lopez", "backoffice" (channels
	// are shown with their #), "Acme".
	Name string
	// Handle is a second name people search by and see next to Name: a
	// user's display name in Slack ("mia"). Optional.
	Handle string
	// TeamID is the workspace the name was learned in; empty for
	// enterprises and for names set by hand without one.
	TeamID string
	// Source is where the name came from.
	Source Source
	// Pinned is set on names set by hand (Set): Learn leaves them alone.
	Pinned bool
	// UpdatedAt is when the entry was last written.
	UpdatedAt time.Time
}

// Key returns the entry's key.
func (e Entry) Key() Key { return Key{Kind: e.Kind, ID: e.ID} }

// Query selects entries to search.
type Query struct {
	// Kind is required.
	Kind Kind
	// Text matches, ignoring case, anywhere in the name, the handle or
	// the id; empty matches every entry.
	Text string
	// TeamIDs, when set, keeps entries learned in one of these
	// workspaces.
	TeamIDs []string
	// Limit bounds the answer (default 20, at most 1000).
	Limit int
}

// ListFilter selects entries to list, in key order.
type ListFilter struct {
	// Kind keeps one kind; empty lists every kind.
	Kind Kind
	// After lists the entries after this key (a page's last).
	After Key
	// Limit bounds the answer (default 100, at most 10000).
	Limit int
}

// Errors of a Directory.
var (
	// ErrInvalid marks an entry or query that cannot be stored or asked:
	// an empty or malformed id, an unknown kind, a name with control
	// characters or too long.
	ErrInvalid = errors.New("invalid name entry")
	// ErrNotFound marks an entry the directory does not hold.
	ErrNotFound = errors.New("name not found")
)

// Directory keeps display names by kind and id. Every method validates
// its input with Validate and fails with an error wrapping ErrInvalid,
// naming the entry, before it writes anything.
type Directory interface {
	// Set stores entries set by hand, pinned: later Learn calls leave
	// them alone. It replaces what the directory held for their keys.
	Set(ctx context.Context, entries []Entry) error
	// Learn stores names read from Slack or the sandbox. It replaces
	// entries that are not pinned and returns how many it wrote.
	Learn(ctx context.Context, entries []Entry) (int, error)
	// Unset deletes an entry, pinned or not; it fails with ErrNotFound
	// when there is none.
	Unset(ctx context.Context, key Key) error
	// Lookup returns the entries of the keys the directory holds; keys
	// it does not hold are absent from the map.
	Lookup(ctx context.Context, keys []Key) (map[Key]Entry, error)
	// Search returns up to q.Limit entries of q.Kind matching q, by name.
	Search(ctx context.Context, q Query) ([]Entry, error)
	// List returns entries in key order (kind, then id), for paging.
	List(ctx context.Context, f ListFilter) ([]Entry, error)
}
