package rolestest_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
)

// A test file declares an organisation and what must hold in it; Run
// answers each expectation with the engine against a roles file.
func Example() {
	suite, err := rolestest.Parse("archive_test.yaml", []byte(`
entities:
  - {id: T1, type: workspace}
  - {id: C1, type: channel, parent: T1, creator: UCARA}
accounts:
  T1: {UADA: admin, UMIA: member, UCARA: member, UGUS: restricted}
assignments:
  - {user: UMIA, role: CHANNELS_ADMIN, entity: T1}
tests:
  - action: channel.archive
    entity: C1
    allow:
      - {user: UADA, rule: allow_if_legacy}
      - {user: UCARA, rule: allow_if_creator}
    deny: [{user: UGUS, rule: deny_if_actor_restricted}]
  - who_can: ARCHIVE_CHANNEL
    entity: C1
    users: [UMIA, UCARA]   # the creator holds no role: this fails
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := rolestest.Run(context.Background(), cat, suite, rolestest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	report.Write(os.Stdout, false)
	// Output:
	// FAIL archive_test.yaml:16: who can ARCHIVE_CHANNEL on C1 (team T1)
	//      got [UMIA] (missing UCARA)
	// FAIL archive_test.yaml: 4 expectations, 1 failed
}
