package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// A running server whose store is restored from a backup does not answer
// from what it held: the repro (assign, back up, move a channel into the
// role's workspace, restore) denies on the running replica as on a fresh
// one. While the restored store cannot be read in full, checks are
// UNAVAILABLE and /readyz says why; once it can, both recover.
func TestServerOnARestoredStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		env := servertest.Start(t, db)
		c := env.Client(servertest.APIKey)
		if _, err := env.Engine.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", "T2", "test"); err != nil {
			t.Fatal(err)
		}
		// The backup holds a row the full read cannot decode (written
		// behind the engine's back, so the running engine never reads it).
		sql(t, db, "INSERT INTO authz_team_prefs (team_id, prefs, revision) VALUES ('T9', 'not json', 1)")
		restore := storetest.Backup(t, db)
		sql(t, db, "DELETE FROM authz_team_prefs WHERE team_id = 'T9'")
		general := authz.Entity{ID: "C1", Type: authz.TypeChannel, ParentID: "T2", CreatorID: "UMEMBER"}
		if _, err := env.Engine.UpsertEntity(ctx, general, "test"); err != nil {
			t.Fatal(err)
		}
		archive := &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UMEMBER", EntityId: "C1", Permissions: []string{"ARCHIVE_CHANNEL"}}
		allowed := func() (bool, error) {
			res, err := c.Check(ctx, connect.NewRequest(archive))
			if err != nil {
				return false, err
			}
			return res.Msg.GetDecisions()[0].GetAllowed(), nil
		}
		if ok, err := allowed(); err != nil || !ok {
			t.Fatalf("with C1 in T2: %v %v; want allowed", ok, err)
		}

		// Restored, with the row that cannot be read.
		restore()
		if ok, err := allowed(); servertest.CodeOf(t, err) != connect.CodeUnavailable {
			t.Fatalf("check on the restored store, unreadable: %v %v; want unavailable", ok, err)
		}
		if code, body := get(t, env.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "restored or created anew") {
			t.Fatalf("/readyz = %d %q; want 503 saying the store was restored", code, body)
		}

		sql(t, db, "DELETE FROM authz_team_prefs WHERE team_id = 'T9'")
		if code, body := get(t, env.URL+"/readyz"); code != http.StatusOK {
			t.Fatalf("/readyz once the store reads = %d %q; want 200", code, body)
		}
		if ok, err := allowed(); err != nil || ok {
			t.Fatalf("check on the restored store: %v %v; want denied, C1 back in T1", ok, err)
		}
	})
}

func sql(t *testing.T, db *sqldb.DB, q string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}
