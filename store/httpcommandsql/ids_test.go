package httpcommandsql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Runs are keyed byte for byte, in a database created beforehand with
// the server's default collation too: request uch is not request UCH, and
// each keeps its own team, channel and user.
func TestRunIDsCompareByteForByte(t *testing.T) {
	storetest.EachCreatedBeforehand(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		l, err := httpcommandsql.Open(ctx, db)
		must(t, err)
		at := time.Unix(1700000000, 0)
		for _, id := range []string{"uch", "UCH"} {
			run := httpcommand.Run{RequestID: id, Command: "refund", Endpoint: "https://billing.internal/refund",
				TeamID: "T" + id, ChannelID: "C" + id, UserID: "U" + id, ClaimedAt: at}
			stored, won, err := l.ClaimRun(ctx, run)
			if err != nil || !won || stored.RequestID != id {
				t.Fatalf("claim %s: %+v won=%v %v; want a run of its own", id, stored, won, err)
			}
		}
		must(t, l.FinishRun(ctx, "uch", httpcommand.OutcomeOK, "200 OK", at.Add(time.Second)))
		for id, want := range map[string]httpcommand.Outcome{"uch": httpcommand.OutcomeOK, "UCH": httpcommand.OutcomeSending} {
			r, err := l.LookupRun(ctx, id)
			if err != nil || r.RequestID != id || r.UserID != "U"+id || r.Outcome != want {
				t.Fatalf("run %s: %+v %v; want its own, %s", id, r, err, want)
			}
		}
	})
}

// A ledger table whose ids compare by a case-insensitive collation (altered
// by hand) is refused at open, naming the column.
func TestOpenRefusesACaseInsensitiveColumn(t *testing.T) {
	ctx := context.Background()
	db := storetest.MySQL(t)
	_, err := httpcommandsql.Open(ctx, db)
	must(t, err)
	if _, err := db.ExecContext(ctx, "ALTER TABLE http_command_runs MODIFY user_id VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL"); err != nil {
		t.Fatal(err)
	}
	if _, err := httpcommandsql.Open(ctx, db); !errors.Is(err, sqldb.ErrCollation) || !strings.Contains(err.Error(), "user_id") {
		t.Fatalf("open on a case-insensitive column: %v", err)
	}
}
