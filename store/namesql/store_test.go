package namesql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func open(t *testing.T, db *sqldb.DB) *namesql.Store {
	t.Helper()
	s, err := namesql.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func user(id, name, handle, team string, src names.Source) names.Entry {
	return names.Entry{Kind: names.User, ID: id, Name: name, Handle: handle, TeamID: team, Source: src}
}

func TestSetLookupAndTheClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := open(t, db)
		at := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return at })
		in := []names.Entry{
			user("UMEMBER", "Mia Lopez", "mia", "T1", names.FromCLI),
			{Kind: names.Channel, ID: "C2", Name: "backoffice", TeamID: "T1", Source: names.FromImport},
			{Kind: names.Team, ID: "T1", Name: "Acme", Source: names.FromCLI},
			{Kind: names.Enterprise, ID: "E1", Name: "Acme Corp 🚀", Source: names.FromCLI},
		}
		if err := s.Set(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.Lookup(ctx, []names.Key{key(names.User, "UMEMBER"), key(names.Channel, "C2"), key(names.Team, "T1"),
			key(names.Enterprise, "E1"), key(names.User, "UNOBODY"), key(names.Channel, "UMEMBER"), key(names.User, "bad id!")})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("want the 4 stored entries, got %d: %+v", len(got), got)
		}
		for _, e := range in {
			g := got[e.Key()]
			if g.Name != e.Name || g.Handle != e.Handle || g.TeamID != e.TeamID || g.Source != e.Source || !g.Pinned || !g.UpdatedAt.Equal(at) {
				t.Errorf("%s: got %+v, want %+v pinned at %s", e.Key(), g, e, at)
			}
		}
	})
}

func TestIDsAreComparedByteForByte(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := open(t, db)
		if err := s.Set(ctx, []names.Entry{user("U1", "Upper", "", "", names.FromCLI), user("u1", "Lower", "", "", names.FromCLI)}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Lookup(ctx, []names.Key{key(names.User, "U1"), key(names.User, "u1")})
		if err != nil {
			t.Fatal(err)
		}
		if got[key(names.User, "U1")].Name != "Upper" || got[key(names.User, "u1")].Name != "Lower" {
			t.Fatalf("U1 and u1 must be two entries: %+v", got)
		}
	})
}

// On a MySQL database whose default collation ignores case, the table
// still compares ids byte for byte.
func TestMySQLTableIsBinaryOnACaseInsensitiveDatabase(t *testing.T) {
	u := storetest.MySQLURL(t)
	cfg, err := mysql.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	admin := cfg.Clone()
	admin.DBName = ""
	conn, err := driver.NewConnector(admin)
	if err != nil {
		t.Fatal(err)
	}
	raw := sql.OpenDB(conn)
	defer raw.Close()
	ctx := context.Background()
	if _, err := raw.ExecContext(ctx, "CREATE DATABASE `"+cfg.DBName+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		t.Fatal(err)
	}
	db, err := mysql.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := open(t, db)
	if err := s.Set(ctx, []names.Entry{user("U1", "Upper", "", "", names.FromCLI), user("u1", "Lower", "", "", names.FromCLI)}); err != nil {
		t.Fatalf("two ids that differ in case collide: %v", err)
	}
	got, err := s.Lookup(ctx, []names.Key{key(names.User, "U1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[key(names.User, "U1")].Name != "Upper" {
		t.Fatalf("looking up U1 found %+v", got)
	}
}

func TestLearnLeavesNamesSetByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := open(t, db)
		if err := s.Set(ctx, []names.Entry{user("UROLES", "Rita (set by hand)", "", "T1", names.FromCLI)}); err != nil {
			t.Fatal(err)
		}
		n, err := s.Learn(ctx, []names.Entry{
			user("UROLES", "Rita from Slack", "rita", "T1", names.FromSlack),
			user("UMEMBER", "Mia", "mia", "T1", names.FromSlack),
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("Learn wrote %d entries, want 1 (the pinned one is left alone)", n)
		}
		n, err = s.Learn(ctx, []names.Entry{user("UMEMBER", "Mia Lopez", "mia", "T1", names.FromSlack)})
		if err != nil || n != 1 {
			t.Fatalf("a learned name is replaced by a newer one: %d %v", n, err)
		}
		got, err := s.Lookup(ctx, []names.Key{key(names.User, "UROLES"), key(names.User, "UMEMBER")})
		if err != nil {
			t.Fatal(err)
		}
		if r := got[key(names.User, "UROLES")]; r.Name != "Rita (set by hand)" || !r.Pinned || r.Source != names.FromCLI {
			t.Errorf("pinned entry changed: %+v", r)
		}
		if m := got[key(names.User, "UMEMBER")]; m.Name != "Mia Lopez" || m.Pinned || m.Source != names.FromSlack {
			t.Errorf("learned entry: %+v", m)
		}
		// Once unset, Slack's name comes back.
		if err := s.Unset(ctx, key(names.User, "UROLES")); err != nil {
			t.Fatal(err)
		}
		if err := s.Unset(ctx, key(names.User, "UROLES")); !errors.Is(err, names.ErrNotFound) {
			t.Fatalf("unset twice: %v", err)
		}
		if n, err := s.Learn(ctx, []names.Entry{user("UROLES", "Rita from Slack", "rita", "T1", names.FromSlack)}); err != nil || n != 1 {
			t.Fatalf("learn after unset: %d %v", n, err)
		}
		// Setting by hand replaces a learned name and pins it.
		if err := s.Set(ctx, []names.Entry{user("UMEMBER", "Mia L.", "", "T1", names.FromCLI)}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Lookup(ctx, []names.Key{key(names.User, "UMEMBER")})
		if m := got[key(names.User, "UMEMBER")]; m.Name != "Mia L." || !m.Pinned {
			t.Errorf("set over a learned name: %+v", m)
		}
	})
}

func TestSearchFindsByPartOfTheNameIgnoringCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := open(t, db)
		if _, err := s.Learn(ctx, []names.Entry{
			user("UMEMBER", "Mia Lopez", "mia", "T1", names.FromSandbox),
			user("UJAMIE", "Jamie", "jamie", "T1", names.FromSandbox),
			user("UMIKE", "MIKE", "", "T2", names.FromSandbox),
			user("UPCT", "100% Sure_Ann", "", "T1", names.FromSandbox),
			user("UOTTO", "Otto", "", "T1", names.FromSandbox),
			{Kind: names.Channel, ID: "CMI", Name: "mission", TeamID: "T1", Source: names.FromSandbox},
		}); err != nil {
			t.Fatal(err)
		}
		ids := func(q names.Query) []string {
			t.Helper()
			list, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range list {
				out = append(out, e.ID)
			}
			return out
		}
		// Names that start with the text come first, then other matches.
		if got := ids(names.Query{Kind: names.User, Text: "mi"}); !slices.Equal(got, []string{"UMEMBER", "UMIKE", "UJAMIE"}) {
			t.Errorf(`"mi": %v`, got)
		}
		if got := ids(names.Query{Kind: names.User, Text: "  MI "}); !slices.Equal(got, []string{"UMEMBER", "UMIKE", "UJAMIE"}) {
			t.Errorf(`"  MI ": %v`, got)
		}
		if got := ids(names.Query{Kind: names.User, Text: "mi", TeamIDs: []string{"T1"}}); !slices.Equal(got, []string{"UMEMBER", "UJAMIE"}) {
			t.Errorf(`"mi" in T1: %v`, got)
		}
		if got := ids(names.Query{Kind: names.User, Text: "mi", Limit: 1}); !slices.Equal(got, []string{"UMEMBER"}) {
			t.Errorf(`"mi" limit 1: %v`, got)
		}
		// The id is searched too, and wildcards are plain characters.
		if got := ids(names.Query{Kind: names.User, Text: "uot"}); !slices.Equal(got, []string{"UOTTO"}) {
			t.Errorf(`"uot": %v`, got)
		}
		if got := ids(names.Query{Kind: names.User, Text: "%"}); !slices.Equal(got, []string{"UPCT"}) {
			t.Errorf(`"%%" must match only a name holding %%: %v`, got)
		}
		if got := ids(names.Query{Kind: names.User, Text: "e_a"}); !slices.Equal(got, []string{"UPCT"}) {
			t.Errorf(`"e_a" must match only a name holding it: %v`, got)
		}
		if got := ids(names.Query{Kind: names.Channel, Text: "mi"}); !slices.Equal(got, []string{"CMI"}) {
			t.Errorf(`channels "mi": %v`, got)
		}
		if _, err := s.Search(ctx, names.Query{Kind: "group", Text: "x"}); !errors.Is(err, names.ErrInvalid) {
			t.Errorf("unknown kind: %v", err)
		}
	})
}

func TestListPagesInKeyOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := open(t, db)
		var in []names.Entry
		for i := 0; i < 7; i++ {
			in = append(in, user(fmt.Sprintf("U%02d", i), fmt.Sprintf("User %d", i), "", "T1", names.FromImport))
		}
		in = append(in, names.Entry{Kind: names.Channel, ID: "C1", Name: "general", Source: names.FromImport})
		if err := s.Set(ctx, in); err != nil {
			t.Fatal(err)
		}
		var all []string
		after := names.Key{}
		for {
			page, err := s.List(ctx, names.ListFilter{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				all = append(all, e.Key().String())
			}
			if len(page) < 3 {
				break
			}
			after = page[len(page)-1].Key()
		}
		want := []string{"channel:C1", "user:U00", "user:U01", "user:U02", "user:U03", "user:U04", "user:U05", "user:U06"}
		if !slices.Equal(all, want) {
			t.Fatalf("pages: %v", all)
		}
		users, err := s.List(ctx, names.ListFilter{Kind: names.User, Limit: 100})
		if err != nil || len(users) != 7 {
			t.Fatalf("users only: %d %v", len(users), err)
		}
	})
}

func TestInvalidEntriesWriteNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := open(t, db)
		good := user("UGOOD", "Good", "", "", names.FromCLI)
		for name, bad := range map[string]names.Entry{
			"empty id":          user("", "X", "", "", names.FromCLI),
			"id with a space":   user("U 1", "X", "", "", names.FromCLI),
			"unknown kind":      {Kind: "group", ID: "G1", Name: "X", Source: names.FromCLI},
			"empty name":        user("U1", "", "", "", names.FromCLI),
			"newline":           user("U1", "Mia\nAdmin", "", "", names.FromCLI),
			"bidi override":     user("U1", "Mia\u202Eadmin", "", "", names.FromCLI),
			"padded":            user("U1", " Mia", "", "", names.FromCLI),
			"too long":          user("U1", strings.Repeat("é", names.MaxNameRunes+1), "", "", names.FromCLI),
			"bad utf-8":         user("U1", "Mia\xff", "", "", names.FromCLI),
			"bad handle":        user("U1", "Mia", "m\x00", "", names.FromCLI),
			"bad team":          user("U1", "Mia", "", "T 1", names.FromCLI),
			"unknown source":    {Kind: names.User, ID: "U1", Name: "Mia", Source: "ldap"},
			"id of 65 bytes":    user(strings.Repeat("U", 65), "X", "", "", names.FromCLI),
			"control in handle": user("U1", "Mia", "\tmia", "", names.FromCLI),
		} {
			if err := s.Set(ctx, []names.Entry{good, bad}); !errors.Is(err, names.ErrInvalid) {
				t.Errorf("%s: Set answered %v, want ErrInvalid", name, err)
			}
			if _, err := s.Learn(ctx, []names.Entry{good, bad}); !errors.Is(err, names.ErrInvalid) {
				t.Errorf("%s: Learn answered %v, want ErrInvalid", name, err)
			}
		}
		if got, _ := s.Lookup(ctx, []names.Key{good.Key()}); len(got) != 0 {
			t.Fatalf("a batch with an invalid entry wrote %+v", got)
		}
	})
}

func key(kind names.Kind, id string) names.Key { return names.Key{Kind: kind, ID: id} }

// A directory whose table was altered to compare ids ignoring case is
// refused at open, as every Bastion store refuses one.
func TestOpenRefusesATableThatWouldNotCompareBytes(t *testing.T) {
	ctx := context.Background()
	db := storetest.MySQL(t)
	open(t, db)
	if _, err := db.ExecContext(ctx, "ALTER TABLE directory_names MODIFY team_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL"); err != nil {
		t.Fatal(err)
	}
	if _, err := namesql.Open(ctx, db); !errors.Is(err, sqldb.ErrCollation) || !strings.Contains(err.Error(), "team_id") {
		t.Fatalf("open on a case-insensitive column: %v", err)
	}
}
