package slackapp_test

import (
	"context"
	"testing"
	"time"

	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// fixedFetcher answers every token with the same scopes, without HTTP, so
// the benchmark measures the backfill and the store.
type fixedFetcher struct{ scopes slackapp.Scopes }

func (f fixedFetcher) FetchScopes(context.Context, string) (slackapp.Scopes, error) {
	return f.scopes, nil
}

// BenchmarkBackfill100k backfills 100,000 single-record teams in batches
// of 100 with a 10 s pause on a simulated clock; paced-s/op is the time
// the run takes at that pace, wall time is the engine and SQLite cost.
func BenchmarkBackfill100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.SQLite(b)
		sealer, _ := slackapp.NewTokenSealer([]byte("0123456789abcdef0123456789abcdef"))
		store, err := installsql.Open(ctx, db, sealer)
		if err != nil {
			b.Fatal(err)
		}
		if err := store.SaveInstallation(ctx, slackapp.Installation{ID: "I000000", TeamID: "T000000", BotToken: "xoxb-bench", Active: true}); err != nil {
			b.Fatal(err)
		}
		// Copy the template row n-1 times, each as its own team.
		_, err = db.ExecContext(ctx, `WITH RECURSIVE seq(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM seq WHERE k < ?)
			INSERT INTO slack_installations SELECT printf('I%06d', k), printf('T%06d', k), enterprise_id, enterprise_install, app_id,
			bot_user_id, bot_token, has_token, refresh_token, token_expires_at, installer_user_id, installed_at, scopes, unknown_scopes,
			scopes_updated_at, active FROM seq, slack_installations WHERE id = 'I000000'`, n-1)
		if err != nil {
			b.Fatal(err)
		}
		clock := &fakeClock{now: time.Unix(0, 0)}
		bf := slackapp.NewBackfiller(store, fixedFetcher{slackapp.ParseScopes("chat:write,commands")},
			slackapp.BackfillOptions{BatchSize: 100, Pause: 10 * time.Second, Clock: clock})
		b.StartTimer()
		p, err := bf.Run(ctx)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if p.Updated != n || p.Batches != 1000 || p.Elapsed != slackapp.PacedDuration(n, 100, 10*time.Second) {
			b.Fatalf("progress = %+v", p)
		}
		b.ReportMetric(p.Elapsed.Seconds(), "paced-s/op")
		b.ReportMetric(float64(p.Batches), "batches/op")
		db.Close()
		b.StartTimer()
	}
}
