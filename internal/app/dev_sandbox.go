package app

import (
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/sandbox"
)

// devTeams names the demo workspaces in the sandbox.
var devTeams = []sandbox.Team{
	{ID: demo.TeamMain, Name: "Acme", Domain: "acme", EnterpriseID: demo.Enterprise, EnterpriseName: "Acme Corp"},
	{ID: demo.TeamOther, Name: "Acme Support", Domain: "acme-support", EnterpriseID: demo.Enterprise, EnterpriseName: "Acme Corp"},
}

// populateSandbox gives the sandbox the demo organisation's workspaces,
// channels and people, so what a person sees in the sandbox is what the
// permission service knows.
func populateSandbox(sb *sandbox.Server) error {
	for _, t := range devTeams {
		if err := sb.AddTeam(t); err != nil {
			return fmt.Errorf("sandbox team %s: %w", t.ID, err)
		}
	}
	for _, c := range demo.Channels() {
		typ := sandbox.PublicChannel
		if c.Private {
			typ = sandbox.PrivateChannel
		}
		if err := sb.AddChannel(c.Team, sandbox.Channel{ID: c.ID, Name: c.Name, Type: typ}); err != nil {
			return fmt.Errorf("sandbox channel %s: %w", c.ID, err)
		}
	}
	for _, u := range demo.Users() {
		if err := sb.AddUser(u.Team, sandboxUser(u)); err != nil {
			return fmt.Errorf("sandbox user %s: %w", u.ID, err)
		}
	}
	return nil
}

// sandboxUser turns a demo user into a Slack user with the account type
// flags Slack sets for it.
func sandboxUser(u demo.User) sandbox.User {
	su := sandbox.User{ID: u.ID, Name: u.Name, RealName: realName(u.Name)}
	switch u.Account {
	case authz.AccountUltraRestricted:
		su.IsRestricted, su.IsUltraRestricted = true, true
	case authz.AccountRestricted:
		su.IsRestricted = true
	case authz.AccountAdmin:
		su.IsAdmin = true
	case authz.AccountOwner:
		su.IsAdmin, su.IsOwner = true, true
	case authz.AccountPrimaryOwner:
		su.IsAdmin, su.IsOwner, su.IsPrimaryOwner = true, true, true
	}
	return su
}

// realName turns "mia-member" into "Mia (member)".
func realName(handle string) string {
	first, rest, _ := strings.Cut(handle, "-")
	if first == "" {
		return handle
	}
	name := strings.ToUpper(first[:1]) + first[1:]
	if rest == "" {
		return name
	}
	return name + " (" + strings.ReplaceAll(rest, "-", " ") + ")"
}
