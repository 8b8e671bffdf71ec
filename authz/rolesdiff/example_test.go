package rolesdiff_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
	"github.com/bastionhq/bastion/store/authzsql"
)

// Compare names what a new roles file changes; a role that only changed
// its name is a rename, which matters because assignments name roles.
func ExampleCompare() {
	old, err := rolesfile.LoadBuiltin()
	if err != nil {
		fmt.Println(err)
		return
	}
	text := strings.Replace(string(rolesfile.Builtin()), "- name: USERS_ADMIN", "- name: MEMBERS_ADMIN", 1)
	new, err := rolesfile.Parse("new.yaml", []byte(text))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := rolesdiff.Compare(old, new)
	for _, r := range d.RolesRenamed {
		fmt.Printf("%s → %s (%s)\n", r.Old, r.New, r.Why)
	}
	fmt.Println(len(d.RolesAdded), "added,", len(d.RolesRemoved), "removed")
	// Output:
	// USERS_ADMIN → MEMBERS_ADMIN (same permissions)
	// 0 added, 0 removed
}

// ForWrite previews one write: here, who gains what if Mia is given
// CHANNELS_ADMIN on the workspace, read from a store (a scratch one).
func ExampleForWrite() {
	ctx := context.Background()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		fmt.Println(err)
		return
	}
	sc, err := rolestest.OpenScratch(ctx, cat, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sc.Close()
	err = rolestest.Build(ctx, sc.Engine, rolestest.Org{
		Entities:    []authz.Entity{{ID: "T1", Type: "workspace"}},
		Accounts:    []authz.ImportedAccount{{TeamID: "T1", UserID: "UMIA", Type: authz.AccountMember}},
		Assignments: []authz.Assignment{{UserID: "UMIA", Role: "USERS_ADMIN", EntityID: "T1"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := authzsql.OpenReader(ctx, sc.DB())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	imp, err := rolesdiff.ForWrite(ctx, src, cat, rolesdiff.Write{Kind: authz.WriteAssign,
		Assignment: authz.Assignment{UserID: "UMIA", Role: "CHANNELS_ADMIN", EntityID: "T1"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range imp.Changes {
		fmt.Println(c)
	}
	// Output:
	// UMIA gains ARCHIVE_CHANNEL on T1 (workspace)
	// UMIA gains CONVERT_CHANNEL_TO_PRIVATE on T1 (workspace)
	// UMIA gains CREATE_PRIVATE_CHANNEL on T1 (workspace)
	// UMIA gains RENAME_CHANNEL on T1 (workspace)
}
