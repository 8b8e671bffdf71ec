package authz

import (
	"fmt"
	"strings"
)

// AccountType is a user's legacy account type in one team, ordered from
// least to most privileged.
type AccountType int

// Account types, in increasing order of privilege. AccountNone means the
// user has no account in the team.
const (
	AccountNone AccountType = iota
	AccountUltraRestricted
	AccountRestricted
	AccountMember
	AccountAdmin
	AccountOwner
	AccountPrimaryOwner
)

var accountNames = [...]string{"none", "ultra_restricted", "restricted", "member", "admin", "owner", "primary_owner"}

// String returns the account type's name as stored and shown.
func (a AccountType) String() string {
	if a < 0 || int(a) >= len(accountNames) {
		return fmt.Sprintf("AccountType(%d)", int(a))
	}
	return accountNames[a]
}

// Restricted reports whether the account is a guest (single- or
// multi-channel).
func (a AccountType) Restricted() bool {
	return a == AccountUltraRestricted || a == AccountRestricted
}

// AccountTypeNames lists the names ParseAccountType accepts for real accounts.
func AccountTypeNames() []string { return accountNames[1:] }

// ParseAccountType parses an account type name (case-insensitive).
func ParseAccountType(s string) (AccountType, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range accountNames {
		if i > 0 && n == l {
			return AccountType(i), nil
		}
	}
	return AccountNone, fmt.Errorf("unknown account type %q (want one of %s)", s, strings.Join(AccountTypeNames(), ", "))
}

// ParseLegacyLevel parses the value of a team preference such as
// who_can_archive_channels into the least account type it admits. Slack's
// own spellings are accepted ("regular" and "everyone" mean members).
// ok is false for "nobody"; err is set for a value it does not know.
func ParseLegacyLevel(s string) (min AccountType, ok bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "everyone", "regular", "member", "members":
		return AccountMember, true, nil
	case "admin", "admins":
		return AccountAdmin, true, nil
	case "owner", "owners":
		return AccountOwner, true, nil
	case "primary_owner", "org_owner":
		return AccountPrimaryOwner, true, nil
	case "nobody", "none":
		return AccountNone, false, nil
	}
	return AccountNone, false, fmt.Errorf("unknown preference level %q (want member, admin, owner, primary_owner or nobody)", s)
}
