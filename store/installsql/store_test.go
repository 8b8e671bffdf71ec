package installsql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func openStore(t *testing.T, db *sqldb.DB) *Store {
	t.Helper()
	sealer, err := slackapp.NewTokenSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sample(id, team string) slackapp.Installation {
	return slackapp.Installation{
		ID: id, TeamID: team, EnterpriseID: "E1", EnterpriseInstall: true, AppID: "A1", BotUserID: "UBOT",
		BotToken: "xoxb-secret-" + team, RefreshToken: "xoxe-refresh", TokenExpiresAt: time.UnixMilli(1_700_000_000_000).UTC(),
		InstallerUserID: "U1", InstalledAt: time.UnixMilli(1_600_000_000_000).UTC(), Active: true,
	}
}

func TestSaveLoadEncryptsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		in := sample("T1", "T1")
		in.Scopes = slackapp.ParseScopes("chat:write,commands,future:scope")
		in.ScopesUpdatedAt = time.UnixMilli(1_650_000_000_123).UTC()
		if err := s.SaveInstallation(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.Installation(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if got.BotToken != in.BotToken || got.RefreshToken != in.RefreshToken || !got.TokenExpiresAt.Equal(in.TokenExpiresAt) ||
			!got.Scopes.Equal(in.Scopes) || !got.ScopesUpdatedAt.Equal(in.ScopesUpdatedAt) || !got.EnterpriseInstall || !got.Active ||
			got.InstallerUserID != "U1" || got.EnterpriseID != "E1" || got.BotUserID != "UBOT" {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, in)
		}
		var raw string
		if err := db.QueryRowContext(ctx, "SELECT bot_token FROM slack_installations WHERE id = 'T1'").Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, "secret") || raw == "" {
			t.Fatalf("bot token stored as %q", raw)
		}
		in.BotUserID = "UBOT2" // a reinstall replaces the record
		if err := s.SaveInstallation(ctx, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Installation(ctx, "T1"); got.BotUserID != "UBOT2" {
			t.Fatalf("after reinstall: %+v", got)
		}
		if _, err := s.Installation(ctx, "nope"); !errors.Is(err, slackapp.ErrNotInstalled) {
			t.Fatalf("missing record: %v", err)
		}
		other, _ := slackapp.NewTokenSealer([]byte(strings.Repeat("x", 32)))
		wrongKey := &Store{db: db, sealer: other}
		if _, err := wrongKey.Installation(ctx, "T1"); err == nil {
			t.Fatal("a wrong key decrypted the token")
		}
	})
}

func TestTeamWideScopeUpdateIsOneIndexedStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		for team := 0; team < 40; team++ {
			for rec := 0; rec < 3; rec++ {
				tid := fmt.Sprintf("T%03d", team)
				if err := s.SaveInstallation(ctx, sample(fmt.Sprintf("%s-%d", tid, rec), tid)); err != nil {
					t.Fatal(err)
				}
			}
		}
		at := time.UnixMilli(1_700_000_000_000).UTC()
		n, err := s.UpdateTeamScopes(ctx, "T007", slackapp.ParseScopes("reactions:read,x:y"), at)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("updated %d records, want 3", n)
		}
		team, _ := s.TeamInstallations(ctx, "T007")
		for _, in := range team {
			if !in.Scopes.Has("reactions:read") || !in.Scopes.Has("x:y") || !in.ScopesUpdatedAt.Equal(at) {
				t.Fatalf("record %s: %+v", in.ID, in)
			}
		}
		if other, _ := s.Installation(ctx, "T008-0"); other.HasScopeRecord() {
			t.Fatalf("another team changed: %+v", other)
		}
		plan := explain(t, db, updateTeamScopes, int64(1), "", int64(1), "T007")
		if !strings.Contains(plan, "slack_installations_team") {
			t.Fatalf("team update does not use its index:\n%s", plan)
		}
	})
}

// inline puts args in place of the placeholders of q, as SQL literals.
func inline(q string, args []any) string {
	var out strings.Builder
	for _, part := range strings.Split(q, "?") {
		out.WriteString(part)
		if len(args) == 0 {
			continue
		}
		switch v := args[0].(type) {
		case string:
			out.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
		default:
			fmt.Fprint(&out, v)
		}
		args = args[1:]
	}
	return out.String()
}

// explain returns the database's query plan for stmt as text.
func explain(t *testing.T, db *sqldb.DB, stmt string, args ...any) string {
	t.Helper()
	q := "EXPLAIN " + stmt
	if db.Dialect == sqldb.SQLite {
		q = "EXPLAIN QUERY PLAN " + stmt
	}
	if db.Vitess {
		// vtgate prepares an EXPLAIN with no parameters: it passes the
		// statement to the keyspace's mysqld, so the values go inline.
		q, args = inline(q, args), nil
	}
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&out, "%s=%v ", cols[i], v)
		}
		out.WriteString("\n")
	}
	return out.String()
}

func TestActiveFlagPendingAndCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		for _, id := range []string{"A", "B", "C", "D"} {
			in := sample(id, "T"+id)
			if id == "B" {
				in.ScopesUpdatedAt = time.Now()
			}
			if id == "D" {
				in.BotToken = ""
			}
			if err := s.SaveInstallation(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		pending, err := s.PendingScopes(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 2 || pending[0].ID != "A" || pending[1].ID != "C" {
			t.Fatalf("pending = %+v", pending)
		}
		if after, _ := s.PendingScopes(ctx, "A", 10); len(after) != 1 || after[0].ID != "C" {
			t.Fatalf("pending after A = %+v", after)
		}
		if n, _ := s.CountPendingScopes(ctx, ""); n != 2 {
			t.Fatalf("count = %d", n)
		}
		if n, err := s.SetTeamActive(ctx, "TA", false); err != nil || n != 1 {
			t.Fatalf("deactivate: %d %v", n, err)
		}
		if in, _ := s.Installation(ctx, "A"); in.Active {
			t.Fatal("still active")
		}
		if c, _ := s.Cursor(ctx, "backfill"); c != "" {
			t.Fatalf("fresh cursor = %q", c)
		}
		for _, v := range []string{"A", "C"} {
			if err := s.SetCursor(ctx, "backfill", v); err != nil {
				t.Fatal(err)
			}
		}
		if c, _ := s.Cursor(ctx, "backfill"); c != "C" {
			t.Fatalf("cursor = %q", c)
		}
	})
}
