package web

import "github.com/bastionhq/bastion/sandbox"

// accountKind names what a user is in their workspace, as Slack's account
// types do: a machine-readable kind and the words shown on the page.
func accountKind(u sandbox.User) (kind, words string) {
	switch {
	case u.IsBot:
		return "bot", "App"
	case u.IsPrimaryOwner:
		return "primary_owner", "Primary Owner"
	case u.IsOwner:
		return "owner", "Owner"
	case u.IsAdmin:
		return "admin", "Admin"
	case u.IsUltraRestricted:
		return "ultra_restricted", "Single-Channel Guest"
	case u.IsRestricted:
		return "restricted", "Guest"
	}
	return "member", "Member"
}

// displayName is how the page names a user: the real name when known.
func displayName(u sandbox.User) string {
	if u.RealName != "" {
		return u.RealName
	}
	return u.Name
}
