// Package demo loads a small organisation into a permission store so that a
// new user can try checks at once: enterprise E1 with workspaces T1 and T2,
// channels, users of every account type and a few role assignments.
package demo

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

// Ids of the demo organisation.
const (
	Enterprise = "E1"
	TeamMain   = "T1" // acme: the main workspace
	TeamOther  = "T2" // acme-support

	ChannelGeneral        = "C1" // #general in T1, created by UMEMBER
	ChannelBackoffice     = "C2" // #backoffice in T1
	ChannelBackofficeDevs = "C3" // #backoffice-developers in T1
	ChannelSupport        = "C4" // #support in T2
	ChannelPrivateFinance = "G1" // private #finance in T1
	Actor                 = "demo-data"
)

// User is a demo user and what they are.
type User struct {
	ID      string
	Name    string
	Team    string
	Account authz.AccountType
	// Roles are assignments: role name -> entity id.
	Roles map[string]string
}

// Users returns the demo users.
func Users() []User {
	return []User{
		{ID: "UGUEST", Name: "gina-guest", Team: TeamMain, Account: authz.AccountUltraRestricted},
		{ID: "UMCGUEST", Name: "mo-multichannel-guest", Team: TeamMain, Account: authz.AccountRestricted, Roles: map[string]string{"CHANNELS_ADMIN": TeamMain}},
		{ID: "UMEMBER", Name: "mia-member", Team: TeamMain, Account: authz.AccountMember},
		{ID: "UCHANADMIN", Name: "carl-channels-admin", Team: TeamMain, Account: authz.AccountMember, Roles: map[string]string{"CHANNELS_ADMIN": Enterprise}},
		{ID: "UOPS", Name: "olga-operator", Team: TeamMain, Account: authz.AccountMember, Roles: map[string]string{"BACKOFFICE_OPERATOR": ChannelBackoffice}},
		{ID: "UOPS2", Name: "omar-operator", Team: TeamMain, Account: authz.AccountMember, Roles: map[string]string{"BACKOFFICE_OPERATOR": TeamMain}},
		{ID: "UADMIN", Name: "ada-admin", Team: TeamMain, Account: authz.AccountAdmin, Roles: map[string]string{"BACKOFFICE_OPERATOR": TeamMain}},
		{ID: "UADMIN2", Name: "abe-admin", Team: TeamMain, Account: authz.AccountAdmin, Roles: map[string]string{"BACKOFFICE_OPERATOR": TeamMain}},
		{ID: "UROLES", Name: "rita-roles-admin", Team: TeamMain, Account: authz.AccountMember, Roles: map[string]string{"ROLES_ADMIN": Enterprise}},
		{ID: "UOWNER", Name: "otto-owner", Team: TeamMain, Account: authz.AccountOwner},
		{ID: "UPRIMARY", Name: "pia-primary-owner", Team: TeamMain, Account: authz.AccountPrimaryOwner, Roles: map[string]string{"ROLES_ADMIN": Enterprise}},
		{ID: "USUPPORT", Name: "sam-support-admin", Team: TeamOther, Account: authz.AccountMember, Roles: map[string]string{"CHANNELS_ADMIN": TeamOther}},
		// A second Channels Admin in T2, so that a request there that needs
		// one other approver can complete.
		{ID: "USUPPORT2", Name: "sue-support-admin", Team: TeamOther, Account: authz.AccountMember, Roles: map[string]string{"CHANNELS_ADMIN": TeamOther}},
	}
}

// Channel is a demo channel.
type Channel struct {
	ID, Name, Team, Creator string
	Private                 bool
}

// Channels returns the demo channels.
func Channels() []Channel {
	return []Channel{
		{ID: ChannelGeneral, Name: "general", Team: TeamMain, Creator: "UMEMBER"},
		{ID: ChannelBackoffice, Name: "backoffice", Team: TeamMain, Creator: "UADMIN"},
		{ID: ChannelBackofficeDevs, Name: "backoffice-developers", Team: TeamMain, Creator: "UADMIN"},
		{ID: ChannelPrivateFinance, Name: "finance", Team: TeamMain, Creator: "UOWNER", Private: true},
		{ID: ChannelSupport, Name: "support", Team: TeamOther, Creator: "USUPPORT"},
	}
}

// Writer is the part of the engine the demo data needs.
type Writer interface {
	UpsertEntity(ctx context.Context, e authz.Entity, actor string) (authz.Revision, error)
	SetAccountType(ctx context.Context, teamID, userID string, t authz.AccountType, actor string) (authz.Revision, error)
	SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, actor string) (authz.Revision, error)
	Assign(ctx context.Context, userID, role, entityID, actor string) (authz.Revision, error)
}

// Load writes the demo organisation. Loading it twice changes nothing.
func Load(ctx context.Context, w Writer) error {
	entities := []authz.Entity{
		{ID: Enterprise, Type: authz.TypeEnterprise},
		{ID: TeamMain, Type: authz.TypeWorkspace, ParentID: Enterprise},
		{ID: TeamOther, Type: authz.TypeWorkspace, ParentID: Enterprise},
	}
	for _, c := range Channels() {
		entities = append(entities, authz.Entity{ID: c.ID, Type: authz.TypeChannel, ParentID: c.Team, CreatorID: c.Creator})
	}
	for _, e := range entities {
		if _, err := w.UpsertEntity(ctx, e, Actor); err != nil {
			return fmt.Errorf("demo entity %s: %w", e.ID, err)
		}
	}
	if _, err := w.SetTeamPrefs(ctx, TeamMain, map[string]string{"who_can_archive_channels": "admin"}, Actor); err != nil {
		return fmt.Errorf("demo preferences: %w", err)
	}
	for _, u := range Users() {
		if _, err := w.SetAccountType(ctx, u.Team, u.ID, u.Account, Actor); err != nil {
			return fmt.Errorf("demo user %s: %w", u.ID, err)
		}
		for role, ent := range u.Roles {
			if _, err := w.Assign(ctx, u.ID, role, ent, Actor); err != nil {
				return fmt.Errorf("demo assignment %s %s %s: %w", u.ID, role, ent, err)
			}
		}
	}
	return nil
}
