package server_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestAssignNeedsAssignRoles(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	ctx := context.Background()
	assign := &authzv1.AssignRoleRequest{UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"}

	assign.Actor = &authzv1.Actor{TeamId: "T1", UserId: "UMEMBER"}
	_, err := c.AssignRole(ctx, connect.NewRequest(assign))
	if servertest.CodeOf(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "ASSIGN_ROLES") {
		t.Fatalf("member assigning: %v; want permission_denied naming ASSIGN_ROLES", err)
	}
	assign.Actor = nil
	if _, err := c.AssignRole(ctx, connect.NewRequest(assign)); servertest.CodeOf(t, err) != connect.CodeInvalidArgument {
		t.Fatalf("no actor: %v; want invalid_argument", err)
	}

	assign.Actor = &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}
	res, err := c.AssignRole(ctx, connect.NewRequest(assign))
	if err != nil {
		t.Fatal(err)
	}
	if res.Msg.GetRevision() <= 0 {
		t.Errorf("revision %d; want the write's revision", res.Msg.GetRevision())
	}
	chk, err := c.Check(ctx, connect.NewRequest(&authzv1.EligibilityRequest{TeamId: "T1", UserId: "UMEMBER", EntityId: "C2", Permissions: []string{"VIEW_ACCOUNT"},
		Consistency: &authzv1.Consistency{AtLeastRevision: res.Msg.GetRevision()}}))
	if err != nil || !chk.Msg.GetDecisions()[0].GetAllowed() {
		t.Fatalf("check after assign: %v %v; want allowed", chk, err)
	}

	audit, err := c.ListAuditLog(ctx, connect.NewRequest(&authzv1.ListAuditLogRequest{Actor: "T1/UROLES"}))
	if err != nil {
		t.Fatal(err)
	}
	ch := audit.Msg.GetChanges()
	if len(ch) != 1 || ch[0].GetKind() != "assignment.add" || ch[0].GetUserId() != "UMEMBER" || ch[0].GetRevision() != res.Msg.GetRevision() || ch[0].GetAfter() == "" {
		t.Errorf("audit = %v; want the one assignment by T1/UROLES with its after image", ch)
	}

	list, err := c.ListAssignments(ctx, connect.NewRequest(&authzv1.ListAssignmentsRequest{By: &authzv1.ListAssignmentsRequest_UserId{UserId: "UMEMBER"}}))
	if err != nil || len(list.Msg.GetAssignments()) != 1 || list.Msg.GetAssignments()[0].GetGrantedBy() != "T1/UROLES" {
		t.Errorf("assignments = %v, %v; want one granted by T1/UROLES", list, err)
	}

	rev, err := c.RevokeRole(ctx, connect.NewRequest(&authzv1.RevokeRoleRequest{Actor: assign.Actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"}))
	if err != nil || rev.Msg.GetRevision() <= res.Msg.GetRevision() {
		t.Fatalf("revoke: %v %v; want a later revision", rev, err)
	}
	_, err = c.RevokeRole(ctx, connect.NewRequest(&authzv1.RevokeRoleRequest{Actor: assign.Actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"}))
	if servertest.CodeOf(t, err) != connect.CodeNotFound {
		t.Errorf("second revoke: %v; want not_found", err)
	}
}

func TestRoleAdministration(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	ctx := context.Background()
	role := &authzv1.Role{Name: "TRIAL_EXTENDER", Permissions: []string{"EXTEND_TRIAL"}, Scope: "T1"}

	_, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: &authzv1.Actor{TeamId: "T1", UserId: "UOPS"}, Role: role}))
	if servertest.CodeOf(t, err) != connect.CodePermissionDenied {
		t.Fatalf("operator creating a role: %v; want permission_denied", err)
	}
	roles := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}
	if _, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: roles, Role: role})); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRole(ctx, connect.NewRequest(&authzv1.GetRoleRequest{Name: "TRIAL_EXTENDER"}))
	if err != nil || got.Msg.GetRole().GetScope() != "T1" || got.Msg.GetRole().GetSystem() {
		t.Fatalf("get role: %v %v", got, err)
	}
	bad := &authzv1.Role{Name: "BAD", Permissions: []string{"NO_SUCH"}, Scope: "T1"}
	if _, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: roles, Role: bad})); servertest.CodeOf(t, err) != connect.CodeInvalidArgument {
		t.Errorf("undeclared permission: %v; want invalid_argument", err)
	}
	if _, err := c.DeleteRole(ctx, connect.NewRequest(&authzv1.DeleteRoleRequest{Actor: roles, Name: "CHANNELS_ADMIN"})); servertest.CodeOf(t, err) != connect.CodeInvalidArgument {
		t.Errorf("deleting a system role: %v; want invalid_argument", err)
	}
	if _, err := c.DeleteRole(ctx, connect.NewRequest(&authzv1.DeleteRoleRequest{Actor: roles, Name: "TRIAL_EXTENDER"})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRole(ctx, connect.NewRequest(&authzv1.GetRoleRequest{Name: "TRIAL_EXTENDER"})); servertest.CodeOf(t, err) != connect.CodeNotFound {
		t.Errorf("deleted role: %v; want not_found", err)
	}
}

func TestEntityAccountAndPreferenceWrites(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	ctx := context.Background()
	member := &authzv1.Actor{TeamId: "T1", UserId: "UMEMBER"}
	roles := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}
	ent := &authzv1.Entity{Id: "C9", Type: "channel", ParentId: "T1"}

	if _, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: member, Entity: ent})); servertest.CodeOf(t, err) != connect.CodePermissionDenied {
		t.Errorf("member adding a channel: %v; want permission_denied", err)
	}
	if _, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: roles, Entity: ent})); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetEntity(ctx, connect.NewRequest(&authzv1.GetEntityRequest{Id: "C9"}))
	if err != nil || got.Msg.GetEntity().GetParentId() != "T1" {
		t.Fatalf("get entity: %v %v", got, err)
	}
	list, err := c.ListEntities(ctx, connect.NewRequest(&authzv1.ListEntitiesRequest{}))
	if err != nil || len(list.Msg.GetEntities()) < 9 {
		t.Errorf("entities: %v %v", list, err)
	}

	if _, err := c.SetAccountType(ctx, connect.NewRequest(&authzv1.SetAccountTypeRequest{Actor: member, TeamId: "T1", UserId: "UMEMBER", AccountType: authzv1.AccountType_ACCOUNT_TYPE_OWNER})); servertest.CodeOf(t, err) != connect.CodePermissionDenied {
		t.Errorf("member promoting themself: %v; want permission_denied", err)
	}
	if _, err := c.SetAccountType(ctx, connect.NewRequest(&authzv1.SetAccountTypeRequest{Actor: roles, TeamId: "T1", UserId: "UNEW", AccountType: authzv1.AccountType_ACCOUNT_TYPE_ADMIN})); err != nil {
		t.Fatal(err)
	}
	pol, err := c.CheckPolicy(ctx, connect.NewRequest(&authzv1.PolicyRequest{Action: "channel.archive", TeamId: "T1", UserId: "UNEW", EntityId: "C9"}))
	if err != nil || !pol.Msg.GetDecisions()[0].GetAllowed() {
		t.Errorf("new admin archiving: %v %v; want allowed by the legacy rule", pol, err)
	}

	prefs := map[string]string{"who_can_archive_channels": "owner"}
	if _, err := c.SetTeamPreferences(ctx, connect.NewRequest(&authzv1.SetTeamPreferencesRequest{Actor: roles, TeamId: "T1", Preferences: prefs})); err != nil {
		t.Fatal(err)
	}
	gp, err := c.GetTeamPreferences(ctx, connect.NewRequest(&authzv1.GetTeamPreferencesRequest{TeamId: "T1"}))
	if err != nil || gp.Msg.GetPreferences()["who_can_archive_channels"] != "owner" {
		t.Errorf("preferences: %v %v", gp, err)
	}
}

// t1AdminEnv is a server on the demo data where UMEMBER, the actor it
// returns, administers T1 (ROLES_ADMIN on T1) but not T2.
func t1AdminEnv(t *testing.T) (*servertest.Env, authzv1connect.PermissionServiceClient, *authzv1.Actor) {
	t.Helper()
	env := servertest.Start(t, storetest.SQLite(t))
	if _, err := env.Engine.Assign(context.Background(), "UMEMBER", "ROLES_ADMIN", "T1", "test"); err != nil {
		t.Fatal(err)
	}
	return env, env.Client(servertest.APIKey), &authzv1.Actor{TeamId: "T1", UserId: "UMEMBER"}
}

// wantDeniedOnT2 fails unless err refuses a write for lack of
// ADMINISTER_ROLES on T2.
func wantDeniedOnT2(t *testing.T, what string, err error) {
	t.Helper()
	if servertest.CodeOf(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "ADMINISTER_ROLES on T2") {
		t.Fatalf("%s: %v; want permission_denied naming ADMINISTER_ROLES on T2", what, err)
	}
}

func TestMovingARoleNeedsAdministerRolesOnBothScopes(t *testing.T) {
	_, c, member := t1AdminEnv(t)
	ctx := context.Background()
	desk := &authzv1.Role{Name: "SUPPORT_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: "T2"}
	if _, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}, Role: desk})); err != nil {
		t.Fatal(err)
	}

	// Holding ADMINISTER_ROLES on T1, the new scope, is not enough to take
	// the role away from T2.
	moved := &authzv1.Role{Name: "SUPPORT_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: "T1"}
	_, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: member, Role: moved}))
	wantDeniedOnT2(t, "moving a T2 role into T1", err)
	got, err := c.GetRole(ctx, connect.NewRequest(&authzv1.GetRoleRequest{Name: "SUPPORT_DESK"}))
	if err != nil || got.Msg.GetRole().GetScope() != "T2" {
		t.Fatalf("refused move changed the role: %v %v", got, err)
	}

	// A role of T1 is theirs to edit, not to move into T2.
	own := &authzv1.Role{Name: "T1_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: "T1"}
	if _, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: member, Role: own})); err != nil {
		t.Fatalf("creating a T1 role: %v", err)
	}
	own.Permissions = []string{"EXTEND_TRIAL", "VIEW_ACCOUNT"}
	if _, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: member, Role: own})); err != nil {
		t.Fatalf("editing a T1 role in T1: %v", err)
	}
	own.Scope = "T2"
	_, err = c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: member, Role: own}))
	wantDeniedOnT2(t, "moving a T1 role into T2", err)

	// Administering both scopes (ROLES_ADMIN on E1) allows the move.
	if _, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}, Role: moved})); err != nil {
		t.Fatalf("roles admin of E1 moving the role: %v", err)
	}
	if got, err := c.GetRole(ctx, connect.NewRequest(&authzv1.GetRoleRequest{Name: "SUPPORT_DESK"})); err != nil || got.Msg.GetRole().GetScope() != "T1" {
		t.Fatalf("moved role: %v %v; want scope T1", got, err)
	}
}

func TestMovingAnEntityNeedsAdministerRolesOnBothParents(t *testing.T) {
	env, c, member := t1AdminEnv(t)
	ctx := context.Background()
	support := &authzv1.Entity{Id: "C4", Type: authz.TypeChannel, ParentId: "T1"} // C4 is T2's
	_, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: member, Entity: support}))
	wantDeniedOnT2(t, "taking T2's channel into T1", err)
	if ent, err := env.Engine.Entity(ctx, "C4"); err != nil || ent.ParentID != "T2" {
		t.Fatalf("refused move changed the channel: %+v %v", ent, err)
	}
	// Saving a T1 channel where it is stays allowed.
	if _, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: member, Entity: &authzv1.Entity{Id: "C1", Type: authz.TypeChannel, ParentId: "T1"}})); err != nil {
		t.Fatalf("saving C1 under T1: %v", err)
	}
	// A roles admin of E1 administers both teams.
	if _, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}, Entity: support})); err != nil {
		t.Fatalf("roles admin of E1 moving C4: %v", err)
	}
}

// A workspace's Roles Admin may not move a channel of the workspace to no
// parent (out of every administrator's reach above it): making a root is
// refused over the API as creating one is, whoever asks.
func TestDetachingAnEntityIsRefusedLikeCreatingARoot(t *testing.T) {
	_, c, member := t1AdminEnv(t)
	ctx := context.Background()
	enterpriseAdmin := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}
	for _, actor := range []*authzv1.Actor{member, enterpriseAdmin} {
		_, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: actor, Entity: &authzv1.Entity{Id: "C1", Type: "channel"}}))
		if servertest.CodeOf(t, err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "makes it a root") {
			t.Fatalf("%s detaching C1: %v; want permission_denied saying it makes a root", actor.GetUserId(), err)
		}
		_, err = c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: actor, Entity: &authzv1.Entity{Id: "E9", Type: "enterprise"}}))
		if servertest.CodeOf(t, err) != connect.CodePermissionDenied {
			t.Fatalf("%s creating a root: %v; want permission_denied", actor.GetUserId(), err)
		}
	}
	got, err := c.GetEntity(ctx, connect.NewRequest(&authzv1.GetEntityRequest{Id: "C1"}))
	if err != nil || got.Msg.GetEntity().GetParentId() != "T1" {
		t.Fatalf("C1 after the refused detach: %v %v; want it under T1", got, err)
	}
}
