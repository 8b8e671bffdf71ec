package authzsql

import (
	"context"
	"fmt"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Reference data is read in pages; every row arrives, over several pages
// (entities: two full and one of one row, more rows than Vitess returns
// from one query by default) or one short page (roles).
func TestLoadReferenceReadsEveryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var batch authz.Import
		for i := range 2*referencePage + 1 {
			batch.Entities = append(batch.Entities, authz.Entity{ID: fmt.Sprintf("C%06d", i), Type: authz.TypeChannel, ParentID: "T1"})
		}
		for i := range 3 {
			if _, err := st.PutRole(ctx, authz.Role{Name: fmt.Sprintf("ROLE_%d", i), Permissions: []string{"P"}, Scope: "T1"}, authz.Prior{}, "test"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.Import(ctx, batch, "test"); err != nil {
			t.Fatal(err)
		}
		ref, err := st.LoadReference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ref.Entities) != len(batch.Entities) {
			t.Errorf("read %d entities of %d", len(ref.Entities), len(batch.Entities))
		}
		if _, ok := ref.Entities[fmt.Sprintf("C%06d", 2*referencePage)]; !ok {
			t.Error("the entity on the last page is missing")
		}
		if len(ref.Roles) != 3 {
			t.Errorf("read %d roles, want 3", len(ref.Roles))
		}
	})
}
