package rolesdiff_test

import (
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

// edit returns the built-in roles file with each old text replaced by the
// new one that follows it, parsed; it fails the test if an old text is
// not found.
func edit(t *testing.T, pairs ...string) *authz.Catalog {
	t.Helper()
	text := string(rolesfile.Builtin())
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("the built-in roles file has no %q", pairs[i])
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	c, err := rolesfile.Parse("edited.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func builtin(t *testing.T) *authz.Catalog {
	t.Helper()
	c, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompareSameFileIsEmpty(t *testing.T) {
	if d := rolesdiff.Compare(builtin(t), builtin(t)); !d.Empty() {
		t.Fatalf("diff of a file with itself: %+v", d)
	}
}

func TestCompareFindsRenames(t *testing.T) {
	old := builtin(t)
	new := edit(t,
		// A permission renamed: same description.
		"- name: VIEW_USER_GROUPS", "- name: LIST_USER_GROUPS",
		"VIEW_USER_GROUPS]", "LIST_USER_GROUPS]",
		// A role renamed: same permissions.
		"- name: CHANNELS_ADMIN", "- name: CONVERSATIONS_ADMIN",
		// A role that changes what it grants.
		"permissions: [VIEW_ACCOUNT]\n", "permissions: [VIEW_ACCOUNT, VIEW_APPROVALS]\n",
		// A permission that applies to more.
		"description: Rename a channel.\n    applies_to: [channel]", "description: Rename a channel.\n    applies_to: [channel, workspace]",
	)
	d := rolesdiff.Compare(old, new)
	if len(d.PermissionsRenamed) != 1 || d.PermissionsRenamed[0] != (rolesdiff.Rename{Old: "VIEW_USER_GROUPS", New: "LIST_USER_GROUPS", Why: "same description"}) {
		t.Errorf("permissions renamed = %+v", d.PermissionsRenamed)
	}
	if len(d.PermissionsAdded)+len(d.PermissionsRemoved) != 0 {
		t.Errorf("a renamed permission listed as added %v or removed %v", d.PermissionsAdded, d.PermissionsRemoved)
	}
	if len(d.RolesRenamed) != 1 || d.RolesRenamed[0] != (rolesdiff.Rename{Old: "CHANNELS_ADMIN", New: "CONVERSATIONS_ADMIN", Why: "same permissions"}) {
		t.Errorf("roles renamed = %+v", d.RolesRenamed)
	}
	// USERS_ADMIN grants the renamed permission: not a change of the role.
	if len(d.RolesChanged) != 1 || d.RolesChanged[0].Name != "BACKOFFICE_VIEWER" || strings.Join(d.RolesChanged[0].Gained, ",") != "VIEW_APPROVALS" || len(d.RolesChanged[0].Lost) != 0 {
		t.Errorf("roles changed = %+v", d.RolesChanged)
	}
	if len(d.PermissionsChanged) != 1 || d.PermissionsChanged[0].Name != "RENAME_CHANNEL" || strings.Join(d.PermissionsChanged[0].NewAppliesTo, ",") != "channel,workspace" {
		t.Errorf("permissions changed = %+v", d.PermissionsChanged)
	}
}

func TestCompareLeavesAmbiguousRenamesAlone(t *testing.T) {
	// Two new roles grant exactly what the removed one did, and say the
	// same of themselves: which one it became cannot be told, so it is
	// removed and both are added.
	new := edit(t, "  - name: USERS_ADMIN\n", "  - name: MEMBERS_ADMIN\n",
		"roles:\n", "roles:\n  - name: PEOPLE_ADMIN\n    description: Manages who is in a workspace.\n"+
			"    permissions: [ADD_USER_TO_WORKSPACE, REMOVE_USER_FROM_WORKSPACE, VIEW_USER_GROUPS]\n")
	d := rolesdiff.Compare(builtin(t), new)
	if len(d.RolesRenamed) != 0 || strings.Join(d.RolesRemoved, ",") != "USERS_ADMIN" || strings.Join(d.RolesAdded, ",") != "MEMBERS_ADMIN,PEOPLE_ADMIN" {
		t.Fatalf("renamed %+v, removed %v, added %v", d.RolesRenamed, d.RolesRemoved, d.RolesAdded)
	}
}

func TestCompareBreaksATieByDescription(t *testing.T) {
	// Two new roles grant what the removed one did; one says the same of
	// itself.
	new := edit(t, "  - name: USERS_ADMIN\n", "  - name: MEMBERS_ADMIN\n",
		"roles:\n", "roles:\n  - name: PEOPLE_ADMIN\n    permissions: [ADD_USER_TO_WORKSPACE, REMOVE_USER_FROM_WORKSPACE, VIEW_USER_GROUPS]\n")
	d := rolesdiff.Compare(builtin(t), new)
	if len(d.RolesRenamed) != 1 || d.RolesRenamed[0] != (rolesdiff.Rename{Old: "USERS_ADMIN", New: "MEMBERS_ADMIN", Why: "same description"}) ||
		strings.Join(d.RolesAdded, ",") != "PEOPLE_ADMIN" {
		t.Fatalf("renamed %+v, added %v", d.RolesRenamed, d.RolesAdded)
	}
}

func TestComparePolicies(t *testing.T) {
	new := edit(t,
		"      - allow_if_legacy: {preference: who_can_archive_channels, default: admin}\n      - allow_if_creator\n",
		"      - allow_if_creator\n      - allow_if_legacy: {preference: who_can_archive_channels, default: admin}\n",
		"default: member}", "default: admin}",
		"  - action: workspace.add_user\n", "  - action: workspace.add_member\n",
	)
	d := rolesdiff.Compare(builtin(t), new)
	byAction := map[string]rolesdiff.PolicyRulesChange{}
	for _, c := range d.PoliciesChanged {
		byAction[c.Action] = c
	}
	if c := byAction["channel.archive"]; !c.Reordered {
		t.Errorf("channel.archive: %+v, want rules reordered", c)
	}
	if c, ok := byAction["channel.create_private"]; !ok || c.Reordered || c.NewRules[1] != "allow_if_legacy(who_can_create_private_channels, default admin)" {
		t.Errorf("channel.create_private: %+v, want a changed rule", c)
	}
	if len(byAction) != 2 || strings.Join(d.PoliciesAdded, ",") != "workspace.add_member" || strings.Join(d.PoliciesRemoved, ",") != "workspace.add_user" {
		t.Errorf("changed %v, added %v, removed %v", byAction, d.PoliciesAdded, d.PoliciesRemoved)
	}
}

func TestCompareRequestPolicies(t *testing.T) {
	old := builtin(t)
	new := edit(t, "      max_duration: 8h\n", "      max_duration: 4h\n",
		"  - name: BACKOFFICE_VIEWER\n    description: Reads customer accounts from the back office.\n    permissions: [VIEW_ACCOUNT]\n",
		"  - name: BACKOFFICE_VIEWER\n    description: Reads customer accounts from the back office.\n    permissions: [VIEW_ACCOUNT]\n    request: {max_duration: 1h}\n")
	d := rolesdiff.Compare(old, new)
	got := map[string]rolesdiff.RoleChange{}
	for _, c := range d.RolesChanged {
		got[c.Name] = c
	}
	if c := got["BACKOFFICE_OPERATOR"]; c.OldRequest != "requestable for at most 8h0m0s with 1 approval(s) by ASSIGN_ROLES, self-extending" ||
		c.NewRequest != "requestable for at most 4h0m0s with 1 approval(s) by ASSIGN_ROLES, self-extending" {
		t.Errorf("BACKOFFICE_OPERATOR change = %+v", c)
	}
	if c := got["BACKOFFICE_VIEWER"]; c.OldRequest != "not requestable" || c.NewRequest != "requestable for at most 1h0m0s with 1 approval(s) by ASSIGN_ROLES" {
		t.Errorf("BACKOFFICE_VIEWER change = %+v", c)
	}
	if len(d.RolesChanged) != 2 {
		t.Errorf("roles changed = %+v", d.RolesChanged)
	}
}
