// Command ownbastion is a team's own Bastion, built in its own module:
// the stock bastion command line with the team's billing commands in the
// bot. The team's commands keep their data in the team's own database
// (BILLING_DB, default billing.db).
//
//	go run . dev                     # the local Slack sandbox, with the demo organisation
//	go run . --db prod.db serve …    # against Slack, as `bastion serve`
package main

import (
	"os"

	"github.com/bastionhq/bastion"

	"example.com/ownbastion/billing"
)

func main() {
	path := os.Getenv("BILLING_DB")
	if path == "" {
		path = "billing.db"
	}
	ledger := billing.Open(path)
	defer ledger.Close()
	bastion.Main(bastion.Commands(billing.Commands(ledger)...))
}
