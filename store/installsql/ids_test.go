package installsql

import (
	"context"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Installations are keyed byte for byte, in a database created beforehand
// with the server's default collation too: t1's record is not T1's.
func TestInstallationIDsCompareByteForByte(t *testing.T) {
	storetest.EachCreatedBeforehand(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		for _, id := range []string{"T1", "t1"} {
			if err := s.SaveInstallation(ctx, sample(id, id)); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{"T1", "t1"} {
			got, err := s.Installation(ctx, id)
			if err != nil || got.ID != id || got.TeamID != id {
				t.Fatalf("installation %s: %+v %v; want its own record", id, got, err)
			}
			list, err := s.TeamInstallations(ctx, id)
			if err != nil || len(list) != 1 {
				t.Fatalf("installations of team %s: %d %v; want 1", id, len(list), err)
			}
		}
	})
}
