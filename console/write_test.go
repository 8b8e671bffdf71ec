package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
)

func assignForm(user, role, entity string) url.Values {
	return url.Values{"user": {user}, "role": {role}, "entity": {entity}}
}

func TestAssignAndRevokeNeedAssignRoles(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.signIn("T1", "UROLES")
	status, body := admin.post("/console/assignments/assign", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1"))
	if status != http.StatusOK || !strings.Contains(body, "Assigned CHANNELS_ADMIN to UMEMBER on T1.") {
		t.Fatalf("admin assign: %d\n%s", status, body)
	}
	if !e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatal("assignment not stored")
	}
	changes, err := e.engine.Audit(context.Background(), authz.ChangeFilter{Kind: authz.ChangeAssign, UserID: "UMEMBER"})
	if err != nil || len(changes) != 1 || changes[0].Actor != "T1/UROLES" {
		t.Fatalf("audit of the assignment: %+v %v", changes, err)
	}

	member := e.signIn("T1", "UMEMBER")
	status, body = member.post("/console/assignments/assign", assignForm("UMEMBER", "ROLES_ADMIN", "T1"))
	if status != http.StatusForbidden || !strings.Contains(body, "You no longer have permission to assign roles on T1.") {
		t.Fatalf("member assign: %d, want 403 with the message\n%s", status, body)
	}
	if e.hasAssignment("UMEMBER", "ROLES_ADMIN", "T1") {
		t.Fatal("a refused assignment was stored")
	}
	status, body = member.post("/console/assignments/revoke", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1"))
	if status != http.StatusForbidden || !strings.Contains(body, "You no longer have permission to revoke roles on T1.") {
		t.Fatalf("member revoke: %d\n%s", status, body)
	}

	status, body = admin.post("/console/assignments/revoke", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1"))
	if status != http.StatusOK || !strings.Contains(body, "Revoked CHANNELS_ADMIN from UMEMBER on T1.") {
		t.Fatalf("admin revoke: %d\n%s", status, body)
	}
	if e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatal("revoked assignment still stored")
	}
}

func TestStaleFormIsRefusedAfterLosingThePermission(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.engine.Assign(ctx, "UMEMBER", "ROLES_ADMIN", "T1", "test"); err != nil {
		t.Fatal(err)
	}
	member := e.signIn("T1", "UMEMBER")
	_, page := member.get("/console/assignments?user=UCHANADMIN")
	if !strings.Contains(page, `<section data-needs="ASSIGN_ROLES" id="assign-section"`) {
		t.Fatalf("the assign form is not offered to a roles admin:\n%s", page)
	}
	if _, err := e.engine.Revoke(ctx, "UMEMBER", "ROLES_ADMIN", "T1", "test"); err != nil {
		t.Fatal(err)
	}
	// The form on the open page is submitted after the revoke.
	status, body := member.post("/console/assignments/assign", assignForm("UCHANADMIN", "USERS_ADMIN", "C1"))
	if status != http.StatusForbidden || !strings.Contains(body, "You no longer have permission to assign roles on C1.") {
		t.Fatalf("stale assign: %d\n%s", status, body)
	}
	if e.hasAssignment("UCHANADMIN", "USERS_ADMIN", "C1") {
		t.Fatal("stale assignment stored")
	}
}

func TestWriteAsJSONSaysWhy(t *testing.T) {
	e := newEnv(t, nil)
	member := e.signIn("T1", "UMEMBER")
	f := url.Values{"csrf": {member.csrf}, "user": {"UMEMBER"}, "role": {"ROLES_ADMIN"}, "entity": {"E1"}}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/assignments/assign", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	status, body := member.do(req)
	if status != http.StatusForbidden || !strings.Contains(body, `"error":"You no longer have permission to assign roles on E1.`) {
		t.Fatalf("JSON refusal: %d %s", status, body)
	}
}

func TestPostsNeedTheSessionCSRFToken(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.signIn("T1", "UROLES")
	for name, token := range map[string]string{"missing": "", "wrong": "not-the-token"} {
		f := assignForm("UMEMBER", "CHANNELS_ADMIN", "T1")
		if token != "" {
			f.Set("csrf", token)
		}
		status, body := admin.postRaw("/console/assignments/assign", f)
		if status != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
			t.Errorf("%s token: %d\n%s", name, status, body)
		}
	}
	// Another session's token does not fit this one.
	other := e.signIn("T1", "UPRIMARY")
	f := assignForm("UMEMBER", "CHANNELS_ADMIN", "T1")
	f.Set("csrf", other.csrf)
	if status, _ := admin.postRaw("/console/assignments/assign", f); status != http.StatusForbidden {
		t.Errorf("another session's token: %d", status)
	}
	if e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatal("a write without a valid token was stored")
	}
	// The token also works as a header.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/assignments/assign", strings.NewReader(assignForm("UMEMBER", "CHANNELS_ADMIN", "T1").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", admin.csrf)
	req.Header.Set("Accept", "application/json")
	if status, body := admin.do(req); status != http.StatusOK {
		t.Fatalf("token in header: %d %s", status, body)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.signIn("T1", "UROLES")
	f := assignForm("UMEMBER", "CHANNELS_ADMIN", "T1")
	f.Set("csrf", admin.csrf)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/assignments/assign", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if status, _ := admin.do(req); status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", status)
	}
	if e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatal("cross-site write stored")
	}
}

func TestCustomRolesNeedAdministerRolesOnTheirScope(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	role := url.Values{"name": {"SUPPORT_LEAD"}, "description": {"Leads support"}, "scope": {"T2"}, "permissions": {"VIEW_ACCOUNT", "EXTEND_TRIAL"}}

	member := e.signIn("T1", "UMEMBER")
	if status, body := member.post("/console/roles", role); status != http.StatusForbidden || !strings.Contains(body, "You no longer have permission to edit roles on T2.") {
		t.Fatalf("member creates a role: %d\n%s", status, body)
	}
	if _, err := e.engine.Role(ctx, "SUPPORT_LEAD"); err == nil {
		t.Fatal("refused role stored")
	}

	admin := e.signIn("T1", "UROLES")
	if status, body := admin.post("/console/roles", role); status != http.StatusOK || !strings.Contains(body, "Saved role SUPPORT_LEAD.") {
		t.Fatalf("admin creates a role: %d\n%s", status, body)
	}
	got, err := e.engine.Role(ctx, "SUPPORT_LEAD")
	if err != nil || got.Scope != "T2" || len(got.Permissions) != 2 || got.Description != "Leads support" {
		t.Fatalf("stored role: %+v %v", got, err)
	}
	_, page := admin.get("/console/roles/SUPPORT_LEAD")
	if !strings.Contains(page, `value="EXTEND_TRIAL" checked`) || !strings.Contains(page, "Leads support") {
		t.Fatalf("edit page does not show the role:\n%s", page)
	}
	role.Set("permissions", "VIEW_ACCOUNT")
	if status, body := admin.post("/console/roles", role); status != http.StatusOK {
		t.Fatalf("admin edits the role: %d\n%s", status, body)
	}
	if got, _ := e.engine.Role(ctx, "SUPPORT_LEAD"); len(got.Permissions) != 1 {
		t.Fatalf("edit not stored: %+v", got)
	}
	if status, body := member.post("/console/roles/SUPPORT_LEAD/delete", nil); status != http.StatusForbidden || !strings.Contains(body, "You no longer have permission to edit roles on T2.") {
		t.Fatalf("member deletes: %d\n%s", status, body)
	}
	if status, body := admin.post("/console/roles/CHANNELS_ADMIN/delete", nil); status != http.StatusBadRequest || !strings.Contains(body, "system role") {
		t.Fatalf("delete a system role: %d\n%s", status, body)
	}
	if status, body := admin.post("/console/roles/SUPPORT_LEAD/delete", nil); status != http.StatusOK || !strings.Contains(body, "Deleted role SUPPORT_LEAD.") {
		t.Fatalf("admin deletes: %d\n%s", status, body)
	}
	if _, err := e.engine.Role(ctx, "SUPPORT_LEAD"); err == nil {
		t.Fatal("deleted role still there")
	}
}

func TestInvalidWritesSayWhat(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.signIn("T1", "UROLES")
	if status, body := admin.post("/console/assignments/assign", assignForm("UMEMBER", "NO_SUCH_ROLE", "T1")); status != http.StatusNotFound || !strings.Contains(body, "NO_SUCH_ROLE") {
		t.Fatalf("unknown role: %d\n%s", status, body)
	}
	if status, body := admin.post("/console/roles", url.Values{"name": {"EMPTY"}, "scope": {"T1"}}); status != http.StatusBadRequest || !strings.Contains(body, "no permissions") {
		t.Fatalf("role without permissions: %d\n%s", status, body)
	}
}

func TestAccountTypesAndPreferences(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin := e.signIn("T1", "UROLES")
	_, page := admin.get("/console/accounts")
	for _, want := range []string{"who_can_archive_channels", "UCHANADMIN", "primary_owner"} {
		if !strings.Contains(page, want) {
			t.Errorf("accounts page lacks %s", want)
		}
	}
	if status, body := admin.post("/console/accounts/type", url.Values{"team": {"T1"}, "user": {"UNEW"}, "type": {"admin"}}); status != http.StatusOK || !strings.Contains(body, "UNEW is now admin in T1.") {
		t.Fatalf("set account type: %d\n%s", status, body)
	}
	up, err := e.engine.ListUserPermissions(ctx, "T1", "UNEW")
	if err != nil || up.AccountType != authz.AccountAdmin {
		t.Fatalf("account type not stored: %+v %v", up, err)
	}
	if status, body := admin.post("/console/accounts/prefs", url.Values{"team": {"T2"}, "prefs": {"who_can_archive_channels = owner\n\nwho_can_rename = admin"}}); status != http.StatusOK {
		t.Fatalf("set prefs: %d\n%s", status, body)
	}
	prefs, _ := e.engine.TeamPrefs(ctx, "T2")
	if prefs["who_can_archive_channels"] != "owner" || prefs["who_can_rename"] != "admin" || len(prefs) != 2 {
		t.Fatalf("prefs not stored: %v", prefs)
	}
	member := e.signIn("T1", "UMEMBER")
	if status, body := member.post("/console/accounts/type", url.Values{"team": {"T1"}, "user": {"UMEMBER"}, "type": {"owner"}}); status != http.StatusForbidden || !strings.Contains(body, "You no longer have permission to change account types on T1.") {
		t.Fatalf("member sets own account type: %d\n%s", status, body)
	}
	if status, _ := member.post("/console/accounts/prefs", url.Values{"team": {"T1"}, "prefs": {"x=y"}}); status != http.StatusForbidden {
		t.Fatalf("member sets prefs: %d", status)
	}
	if status, body := admin.post("/console/accounts/prefs", url.Values{"team": {"T1"}, "prefs": {"no equals sign"}}); status != http.StatusBadRequest || !strings.Contains(body, "key=value") {
		t.Fatalf("malformed prefs: %d\n%s", status, body)
	}
}
