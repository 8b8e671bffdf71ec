package builtin_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/router"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// harness is a router with the built-in commands over a real engine on
// SQLite loaded with the demo organisation.
type harness struct {
	t      *testing.T
	engine *authz.Engine
	router *router.Router
}

func newHarness(t *testing.T) *harness { return newNamedHarness(t, nil) }

// newNamedHarness is newHarness whose replies name workspaces and
// enterprises from dir.
func newNamedHarness(t *testing.T, dir builtin.NameReader) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := authzsql.Open(ctx, storetest.SQLite(t))
	must(t, err)
	cat, err := rolesfile.LoadBuiltin()
	must(t, err)
	e, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	must(t, err)
	must(t, demo.Load(ctx, e))
	r := router.New(router.Options{Authorizer: botauthz.New(e)})
	must(t, r.Register(builtin.CommandsNamed(e, r.Commands, dir)...))
	must(t, r.Register(bot.Command{Pattern: "extend trial", Description: "A back-office command.", Permission: "EXTEND_TRIAL",
		Channels: []string{demo.ChannelBackoffice}, Handler: func(context.Context, *bot.Request) error { return nil }}))
	return &harness{t: t, engine: e, router: r}
}

// say sends text as user in channel of T1 and returns the one reply.
func (h *harness) say(user, channel, text string) (string, router.Invocation) {
	h.t.Helper()
	return h.sayIn(demo.TeamMain, user, channel, text)
}

func (h *harness) sayIn(team, user, channel, text string) (string, router.Invocation) {
	h.t.Helper()
	var out replies
	inv := h.router.Handle(context.Background(), bot.Message{TeamID: team, UserID: user, ChannelID: channel, Text: text, TS: "1.0", ThreadTS: "1.0"}, &out)
	if len(out) != 1 {
		h.t.Fatalf("%s: %d replies %q (invocation %+v)", text, len(out), out, inv)
	}
	return out[0], inv
}

// holds reports whether user holds role on entity.
func (h *harness) holds(user, role, entity string) bool {
	h.t.Helper()
	list, err := h.engine.Assignments(context.Background(), authz.AssignmentFilter{UserID: user})
	must(h.t, err)
	for _, a := range list {
		if a.Role == role && a.EntityID == entity {
			return true
		}
	}
	return false
}

type replies []string

func (r *replies) Reply(_ context.Context, text string) error { *r = append(*r, text); return nil }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func lacks(t *testing.T, what, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("%s should not contain %q:\n%s", what, w, got)
		}
	}
}

func TestWhoamiShowsRolesAndRunnableCommands(t *testing.T) {
	h := newHarness(t)
	out, _ := h.say("UROLES", demo.ChannelBackoffice, "whoami")
	contains(t, "roles admin's whoami", out, "a member in workspace T1", "`ROLES_ADMIN` on enterprise E1", "granted by demo-data",
		"`grant <user:user> <role>`", "`extend trial` (needs EXTEND_TRIAL)")
	may := out[strings.Index(out, "*You may run here*"):strings.Index(out, "*You may not run here*")]
	contains(t, "what a roles admin may run", may, "`audit`", "`revoke <user:user> <role> on <where>`", "`whoami`", "`help`")

	out, _ = h.say("UOPS", demo.ChannelBackoffice, "whoami")
	contains(t, "operator's whoami", out, "`BACKOFFICE_OPERATOR` on <#C2>", "(needs ASSIGN_ROLES)")
	may = out[strings.Index(out, "*You may run here*"):strings.Index(out, "*You may not run here*")]
	contains(t, "what an operator may run in #backoffice", may, "`extend trial`")
	lacks(t, "what an operator may run in #backoffice", may, "`grant")

	out, _ = h.say("UOPS", demo.ChannelGeneral, "whoami")
	lacks(t, "whoami in #general", out, "extend trial") // the command is limited to #backoffice

	out, _ = h.say("UGUEST", demo.ChannelGeneral, "whoami")
	contains(t, "guest's whoami", out, "an ultra restricted", "Roles do not apply to guests")
}

func TestRolesListsSystemAndOwnCustomRoles(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.engine.PutRole(ctx, authz.Role{Name: "TRIAL_DESK", Description: "Extends trials.", Permissions: []string{"EXTEND_TRIAL"}, Scope: demo.TeamMain}, "test")
	must(t, err)
	_, err = h.engine.UpsertEntity(ctx, authz.Entity{ID: "E2", Type: authz.TypeEnterprise}, "test")
	must(t, err)
	_, err = h.engine.PutRole(ctx, authz.Role{Name: "OTHER_ORG_ROLE", Permissions: []string{"SET_PLAN"}, Scope: "E2"}, "test")
	must(t, err)
	out, _ := h.say("UMEMBER", demo.ChannelGeneral, "roles")
	contains(t, "roles", out, "`ROLES_ADMIN` (system): Manages roles and who holds them.", "ADMINISTER_ROLES, ASSIGN_ROLES",
		"`TRIAL_DESK` (custom, workspace T1): Extends trials.")
	lacks(t, "roles", out, "OTHER_ORG_ROLE")
}

func TestGrantAndRevokeNeedAssignRolesOnTheTarget(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	out, inv := h.say("UMEMBER", demo.ChannelBackoffice, "grant <@UMEMBER> BACKOFFICE_OPERATOR")
	if inv.Verdict != router.Denied || !strings.Contains(out, "ASSIGN_ROLES") || h.holds("UMEMBER", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice) {
		t.Fatalf("a member granting: %s %+v", out, inv)
	}

	out, inv = h.say("UROLES", demo.ChannelBackoffice, "grant <@UMEMBER|mia> backoffice_viewer")
	if inv.Verdict != router.Ran || !strings.Contains(out, "Granted `BACKOFFICE_VIEWER` to <@UMEMBER> on <#C2>") {
		t.Fatalf("roles admin granting: %s %+v", out, inv)
	}
	res, err := h.engine.Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UMEMBER", EntityID: demo.ChannelBackoffice, Permissions: []string{"VIEW_ACCOUNT"}})
	if err != nil || !res.Allowed() {
		t.Fatalf("the grant does not take effect: %+v %v", res, err)
	}
	changes, err := h.engine.Audit(ctx, authz.ChangeFilter{Kind: authz.ChangeAssign, UserID: "UMEMBER"})
	must(t, err)
	if len(changes) != 1 || changes[0].Actor != "T1/UROLES" || changes[0].EntityID != demo.ChannelBackoffice {
		t.Fatalf("audit of the grant: %+v", changes)
	}

	for text, entity := range map[string]string{
		"grant <@UMEMBER> USERS_ADMIN on workspace":            demo.TeamMain,
		"grant <@UMEMBER> USERS_ADMIN on enterprise":           demo.Enterprise,
		"grant <@UMEMBER> CHANNELS_ADMIN on <#C4|support>":     demo.ChannelSupport,
		"grant <@UMEMBER> CHANNELS_ADMIN on <#C3>":             demo.ChannelBackofficeDevs,
		"grant <@UMEMBER> BACKOFFICE_VIEWER on  <#G1|finance>": demo.ChannelPrivateFinance,
	} {
		if out, _ := h.say("UROLES", demo.ChannelGeneral, text); !strings.HasPrefix(out, "Granted") || !h.holds("UMEMBER", strings.Fields(text)[2], entity) {
			t.Errorf("%s: %s; want an assignment on %s", text, out, entity)
		}
	}

	// A roles admin of #backoffice-developers only passes the router's
	// check there, but not the check on the workspace it targets.
	_, err = h.engine.Assign(ctx, "UOPS2", "ROLES_ADMIN", demo.ChannelBackofficeDevs, "test")
	must(t, err)
	out, inv = h.say("UOPS2", demo.ChannelBackofficeDevs, "grant <@UOPS2> USERS_ADMIN on workspace")
	if inv.Verdict != router.Ran || !strings.Contains(out, "Denied: you need ASSIGN_ROLES on workspace T1") || h.holds("UOPS2", "USERS_ADMIN", demo.TeamMain) {
		t.Fatalf("channel roles admin granting on the workspace: %s %+v", out, inv)
	}
	if out, _ := h.say("UOPS2", demo.ChannelBackofficeDevs, "grant <@UMEMBER> SET_PLAN_ROLE"); !strings.Contains(out, "Cannot grant `SET_PLAN_ROLE`") {
		t.Errorf("unknown role: %s", out)
	}
	if out, _ := h.say("UROLES", demo.ChannelGeneral, "grant <@UMEMBER> USERS_ADMIN on moon"); !strings.Contains(out, "is not a channel, `workspace` or `enterprise`") {
		t.Errorf("bad target: %s", out)
	}

	out, _ = h.say("UROLES", demo.ChannelGeneral, "revoke <@UMEMBER> BACKOFFICE_VIEWER on <#C2>")
	if !strings.Contains(out, "Revoked `BACKOFFICE_VIEWER` from <@UMEMBER> on <#C2>") || h.holds("UMEMBER", "BACKOFFICE_VIEWER", demo.ChannelBackoffice) {
		t.Fatalf("revoke: %s", out)
	}
	revokes, err := h.engine.Audit(ctx, authz.ChangeFilter{Kind: authz.ChangeRevoke, UserID: "UMEMBER"})
	must(t, err)
	if len(revokes) != 1 || revokes[0].Actor != "T1/UROLES" {
		t.Fatalf("audit of the revoke: %+v", revokes)
	}
	if out, _ := h.say("UROLES", demo.ChannelGeneral, "revoke <@UMEMBER> BACKOFFICE_VIEWER on <#C2>"); !strings.Contains(out, "does not hold") {
		t.Errorf("second revoke: %s", out)
	}
	if out, inv := h.say("UMEMBER", demo.ChannelGeneral, "revoke <@UOPS> BACKOFFICE_OPERATOR on <#C2>"); inv.Verdict != router.Denied || !h.holds("UOPS", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice) {
		t.Errorf("a member revoking: %s %+v", out, inv)
	}
}

func TestWhoCanListsHoldersThroughRoles(t *testing.T) {
	h := newHarness(t)
	out, _ := h.say("UMEMBER", demo.ChannelBackoffice, "who can EXTEND_TRIAL")
	contains(t, "who can extend", out, "4 member(s) can EXTEND_TRIAL on <#C2>", "<@UADMIN>", "<@UADMIN2>", "<@UOPS>", "<@UOPS2>")

	out, _ = h.say("UMEMBER", demo.ChannelGeneral, "who can archive_channel")
	contains(t, "who can archive in #general", out, "<@UCHANADMIN>")
	lacks(t, "who can archive in #general", out, "UMCGUEST") // a guest: a role alone never passes

	out, _ = h.say("UMEMBER", demo.ChannelGeneral, "who can ARCHIVE_CHANNEL in <#C4|support>")
	contains(t, "who can archive in #support", out, "2 member(s)", "<@USUPPORT>", "<@USUPPORT2>", "<#C4>")

	out, _ = h.say("UMEMBER", demo.ChannelGeneral, "who can VIEW_USER_GROUPS")
	contains(t, "inapplicable permission", out, "does not apply to channel")
	out, _ = h.say("UMEMBER", demo.ChannelGeneral, "who can FLY")
	contains(t, "unknown permission", out, "unknown permission FLY")
	out, _ = h.say("UMEMBER", demo.ChannelGeneral, "who can SET_PLAN in <#C9>")
	contains(t, "unknown channel", out, "does not know <#C9>")
}

func TestAuditShowsRecentRoleChangesOfThisOrganisation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if out, inv := h.say("UMEMBER", demo.ChannelGeneral, "audit"); inv.Verdict != router.Denied || !strings.Contains(out, "VIEW_AUDIT_LOG") {
		t.Fatalf("a member reading the audit: %s %+v", out, inv)
	}
	_, err := h.engine.UpsertEntity(ctx, authz.Entity{ID: "E2", Type: authz.TypeEnterprise}, "test")
	must(t, err)
	h.say("UROLES", demo.ChannelGeneral, "grant <@UMEMBER> BACKOFFICE_VIEWER")
	_, err = h.engine.Assign(ctx, "UELSEWHERE", "ROLES_ADMIN", "E2", "other-org")
	must(t, err)
	h.say("UROLES", demo.ChannelGeneral, "revoke <@UMEMBER> BACKOFFICE_VIEWER")

	out, _ := h.say("UROLES", demo.ChannelGeneral, "audit 2")
	contains(t, "audit 2", out, "Last 2 role change(s)")
	revoked := strings.Index(out, "<@UROLES>: revoked `BACKOFFICE_VIEWER` from <@UMEMBER> on <#C1>")
	granted := strings.Index(out, "<@UROLES>: granted `BACKOFFICE_VIEWER` to <@UMEMBER> on <#C1>")
	if revoked < 0 || granted < 0 || revoked > granted {
		t.Fatalf("audit 2 should list the revoke, then the grant:\n%s", out)
	}
	lacks(t, "audit 2", out, "UELSEWHERE")

	out, _ = h.say("UROLES", demo.ChannelGeneral, "audit")
	contains(t, "audit", out, "Last 10 role change(s)", "demo-data: granted")
	lacks(t, "audit", out, "UELSEWHERE")
	if out, _ := h.say("UROLES", demo.ChannelGeneral, "audit 500"); !strings.Contains(out, "Ask for 1 to 50") {
		t.Errorf("audit 500: %s", out)
	}
}

func TestAuditShowsOnlyTheChangesTheCallerMaySee(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	// An auditor of #backoffice-developers, as the console would have it.
	_, err := h.engine.Assign(ctx, "UOPS2", "CONSOLE_VIEWER", demo.ChannelBackofficeDevs, "test")
	must(t, err)
	h.say("UROLES", demo.ChannelGeneral, "grant <@UMEMBER> BACKOFFICE_VIEWER on <#C3>")
	h.say("UROLES", demo.ChannelGeneral, "grant <@UMEMBER> BACKOFFICE_VIEWER on <#C2>")
	h.say("UROLES", demo.ChannelGeneral, "grant <@UMEMBER> USERS_ADMIN on workspace")
	_, err = h.engine.PutRole(ctx, authz.Role{Name: "MOVED_OUT", Scope: demo.TeamMain, Permissions: []string{"VIEW_ACCOUNT"}}, "T1/UROLES")
	must(t, err)

	out, inv := h.say("UOPS2", demo.ChannelBackofficeDevs, "audit 50")
	if inv.Verdict != router.Ran {
		t.Fatalf("an auditor of the channel reading its audit: %s %+v", out, inv)
	}
	contains(t, "the channel's audit", out, "Last 2 role change(s)", "granted `CONSOLE_VIEWER` to <@UOPS2> on <#C3>", "granted `BACKOFFICE_VIEWER` to <@UMEMBER> on <#C3>")
	lacks(t, "the channel's audit", out, "<#C2>", "USERS_ADMIN", "MOVED_OUT", "demo-data")
	// Elsewhere the auditor of one channel may not ask.
	if out, inv := h.say("UOPS2", demo.ChannelGeneral, "audit"); inv.Verdict != router.Denied || !strings.Contains(out, "VIEW_AUDIT_LOG") {
		t.Fatalf("the channel auditor in #general: %s %+v", out, inv)
	}
	// The workspace's Roles Admin sees the custom role of T1, and still
	// when it moves to the other workspace.
	_, err = h.engine.Assign(ctx, "UOPS", "ROLES_ADMIN", demo.TeamMain, "test")
	must(t, err)
	_, err = h.engine.PutRole(ctx, authz.Role{Name: "MOVED_OUT", Scope: demo.TeamOther, Permissions: []string{"VIEW_ACCOUNT"}}, "T1/UROLES")
	must(t, err)
	out, _ = h.say("UOPS", demo.ChannelGeneral, "audit 3")
	contains(t, "the workspace's audit", out, "defined custom role `MOVED_OUT`")
	if strings.Count(out, "MOVED_OUT") != 2 {
		t.Errorf("the workspace's Roles Admin should see the role defined and moved away:\n%s", out)
	}
}
