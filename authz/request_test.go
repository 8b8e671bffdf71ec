package authz_test

import (
	"errors"
	"testing"

	"github.com/bastionhq/bastion/authz"
)

func FuzzEligibilityRequestValidate(f *testing.F) {
	f.Add("T1", "U1", "C1", "ARCHIVE_CHANNEL")
	f.Add("", "U1", "C1", "ARCHIVE_CHANNEL")
	f.Add("T1", "U\u00e91", "C1", "archive")
	f.Add("T1", "U1", "C1\x00", "A_B")
	f.Fuzz(func(t *testing.T, team, user, entity, perm string) {
		req := authz.EligibilityRequest{TeamID: team, UserID: user, EntityID: entity, Permissions: []string{perm}}
		err := req.Validate()
		if err != nil {
			if !errors.Is(err, authz.ErrInvalidRequest) {
				t.Fatalf("validation error %v is not ErrInvalidRequest", err)
			}
			return
		}
		// Whatever passes validation is safe to store and print: ids are
		// short ASCII without spaces or quotes.
		for _, s := range []string{team, user, entity, perm} {
			if len(s) == 0 || len(s) > 64 {
				t.Fatalf("accepted id of length %d", len(s))
			}
			for i := 0; i < len(s); i++ {
				if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '"' || s[i] == '\'' {
					t.Fatalf("accepted id %q with byte %q", s, s[i])
				}
			}
		}
		preq := authz.PolicyRequest{Action: perm, TeamID: team, UserID: user, EntityID: entity}
		if err := preq.Validate(); err != nil {
			t.Fatalf("policy request with the same subject rejected: %v", err)
		}
	})
}
