package botsql

import (
	"context"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/slackbot"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Claims are keyed byte for byte, in a database created beforehand with
// the server's default collation too: a message in channel c1 is not the
// one in C1.
func TestClaimsCompareIDsByteForByte(t *testing.T) {
	storetest.EachCreatedBeforehand(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Unix(1700000000, 0)
		for _, channel := range []string{"C1", "c1"} {
			c, err := s.Claim(ctx, slackbot.MessageKey{TeamID: "T1", ChannelID: channel, TS: "1700000000.000100"}, "ev:"+channel, "w", t0)
			if err != nil || !c.Won || c.DeliveryID != "ev:"+channel {
				t.Fatalf("claim in %s: %+v %v; want a claim of its own", channel, c, err)
			}
		}
	})
}
