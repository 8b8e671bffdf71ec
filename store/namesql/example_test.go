package namesql_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/sqlite"
)

// A directory on SQLite: names set by hand stay; names learned from Slack
// fill the rest; a search finds people by part of their name.
func Example() {
	dir, _ := os.MkdirTemp("", "names")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bastion.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	store, err := namesql.Open(ctx, db)
	if err != nil {
		fmt.Println(err)
		return
	}
	store.Set(ctx, []names.Entry{{Kind: names.User, ID: "UROLES", Name: "Rita Ortiz", Source: names.FromCLI}})
	store.Learn(ctx, []names.Entry{
		{Kind: names.User, ID: "UROLES", Name: "rita.o", Source: names.FromSlack}, // pinned above: left alone
		{Kind: names.User, ID: "UMEMBER", Name: "Mia Lopez", Handle: "mia", TeamID: "T1", Source: names.FromSlack},
		{Kind: names.User, ID: "UJAMIE", Name: "Jamie", TeamID: "T1", Source: names.FromSlack},
	})
	found, _ := store.Search(ctx, names.Query{Kind: names.User, Text: "mi"})
	for _, e := range found {
		fmt.Println(e.ID, e.Name)
	}
	got, _ := store.Lookup(ctx, []names.Key{{Kind: names.User, ID: "UROLES"}})
	fmt.Println(got[names.Key{Kind: names.User, ID: "UROLES"}].Name)
	// Output:
	// UMEMBER Mia Lopez
	// UJAMIE Jamie
	// Rita Ortiz
}
