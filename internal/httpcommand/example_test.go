package httpcommand_test

import (
	"fmt"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/internal/httpcommand"
)

// A commands file becomes bot commands to register next to the others.
func ExampleParse() {
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		panic(err)
	}
	env := httpcommand.Environment{Catalog: cat, Getenv: func(string) string { return "a secret of at least sixteen bytes" }}
	f, err := httpcommand.Parse("commands.yaml", []byte(`commands:
  - pattern: extend <account> trial by <days:int> days
    description: Extend a trial.
    permission: EXTEND_TRIAL
    risk: sensitive
    endpoint: https://billing.internal/bastion/extend
    secret_env: BILLING_BASTION_SECRET
`), env)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range f.Specs {
		fmt.Printf("line %d: %s, %s, POST to %s within %s\n", s.Line, s.Pattern, s.Risk, s.Host(), s.Timeout)
	}
	// Then: cmds, err := f.Commands(httpcommand.Options{Ledger: ledger}),
	// and register cmds with the router.

	_, err = httpcommand.Parse("commands.yaml", []byte("commands:\n  - pattern: refund <invoice>\n    description: Refund an invoice.\n"), env)
	fmt.Println(err)
	// Output:
	// line 2: extend <account> trial by <days:int> days, sensitive, POST to billing.internal within 10s
	// commands.yaml:2: the command has no endpoint
	// commands.yaml:2: the command has no secret_env
}
