package authz_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// fakeClock is a settable clock for staleness tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newEngine(t testing.TB, db *sqldb.DB, clock *fakeClock) *authz.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	opts := authz.Options{}
	if clock != nil {
		opts.Now = clock.Now
	}
	e, err := authz.NewEngine(ctx, st, cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newDemoEngine(t testing.TB, db *sqldb.DB) *authz.Engine {
	t.Helper()
	e := newEngine(t, db, nil)
	if err := demo.Load(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func check(t *testing.T, e *authz.Engine, team, user, entity, perm string) authz.Decision {
	t.Helper()
	res, err := e.Check(context.Background(), authz.EligibilityRequest{TeamID: team, UserID: user, EntityID: entity, Permissions: []string{perm}})
	if err != nil {
		t.Fatalf("check %s %s %s %s: %v", team, user, entity, perm, err)
	}
	return res.Decisions[0]
}

func policy(t *testing.T, e *authz.Engine, action, team, user, entity string) authz.Decision {
	t.Helper()
	res, err := e.CheckPolicy(context.Background(), authz.PolicyRequest{Action: action, TeamID: team, UserID: user, EntityID: entity})
	if err != nil {
		t.Fatalf("policy %s %s %s %s: %v", action, team, user, entity, err)
	}
	return res.Decisions[0]
}

func wantAllowed(t *testing.T, d authz.Decision, allowed bool, rule authz.RuleKind) {
	t.Helper()
	if d.Allowed != allowed || d.Reason.Rule != rule {
		t.Fatalf("got allowed=%v rule=%q (%s); want allowed=%v rule=%q", d.Allowed, d.Reason.Rule, d.Reason.Message, allowed, rule)
	}
}

func TestScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newDemoEngine(t, db)
		ctx := context.Background()

		t.Run("enterprise role reaches a channel of any workspace", func(t *testing.T) {
			for _, ch := range []string{demo.ChannelGeneral, demo.ChannelSupport} {
				d := check(t, e, demo.TeamMain, "UCHANADMIN", ch, "ARCHIVE_CHANNEL")
				wantAllowed(t, d, true, authz.RuleAllowIfHasPermission)
				if d.Reason.Grant == nil || d.Reason.Grant.Role != "CHANNELS_ADMIN" || d.Reason.Grant.EntityID != demo.Enterprise {
					t.Fatalf("grant = %+v, want CHANNELS_ADMIN on E1", d.Reason.Grant)
				}
			}
		})
		t.Run("workspace role does not cross to another workspace", func(t *testing.T) {
			wantAllowed(t, check(t, e, demo.TeamOther, "USUPPORT", demo.ChannelSupport, "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
			d := check(t, e, demo.TeamOther, "USUPPORT", demo.ChannelGeneral, "ARCHIVE_CHANNEL")
			if d.Allowed || d.Reason.Kind != authz.ReasonDefault {
				t.Fatalf("USUPPORT on T1's channel: %+v, want default deny", d)
			}
		})
		t.Run("guest holding CHANNELS_ADMIN is denied", func(t *testing.T) {
			wantAllowed(t, check(t, e, demo.TeamMain, "UMCGUEST", demo.ChannelGeneral, "ARCHIVE_CHANNEL"), false, authz.RuleDenyIfActorRestricted)
			wantAllowed(t, policy(t, e, "channel.archive", demo.TeamMain, "UMCGUEST", demo.ChannelGeneral), false, authz.RuleDenyIfActorRestricted)
		})
		t.Run("user without an account in the team is denied", func(t *testing.T) {
			wantAllowed(t, check(t, e, demo.TeamMain, "UNOBODY", demo.ChannelGeneral, "ARCHIVE_CHANNEL"), false, authz.RuleDenyIfActorRestricted)
		})
		t.Run("admin allowed by legacy", func(t *testing.T) {
			wantAllowed(t, policy(t, e, "channel.archive", demo.TeamMain, "UADMIN", demo.ChannelGeneral), true, authz.RuleAllowIfLegacy)
		})
		t.Run("creator allowed", func(t *testing.T) {
			wantAllowed(t, policy(t, e, "channel.archive", demo.TeamMain, "UMEMBER", demo.ChannelGeneral), true, authz.RuleAllowIfCreator)
		})
		t.Run("member denied unless the preference admits members", func(t *testing.T) {
			d := policy(t, e, "channel.archive", demo.TeamMain, "UMEMBER", demo.ChannelBackoffice)
			if d.Allowed || d.Reason.Kind != authz.ReasonDefault {
				t.Fatalf("member: %+v, want default deny", d)
			}
			if _, err := e.SetTeamPrefs(ctx, demo.TeamMain, map[string]string{"who_can_archive_channels": "member"}, "test"); err != nil {
				t.Fatal(err)
			}
			wantAllowed(t, policy(t, e, "channel.archive", demo.TeamMain, "UMEMBER", demo.ChannelBackoffice), true, authz.RuleAllowIfLegacy)
			if _, err := e.SetTeamPrefs(ctx, demo.TeamMain, map[string]string{"who_can_archive_channels": "admin"}, "test"); err != nil {
				t.Fatal(err)
			}
			if policy(t, e, "channel.archive", demo.TeamMain, "UMEMBER", demo.ChannelBackoffice).Allowed {
				t.Fatal("member still allowed after the preference went back to admin")
			}
		})
		t.Run("legacy does not reach another workspace", func(t *testing.T) {
			d := policy(t, e, "channel.archive", demo.TeamMain, "UOWNER", demo.ChannelSupport)
			if d.Allowed {
				t.Fatalf("T1 owner archived T2's channel by legacy: %+v", d)
			}
		})
		t.Run("revoke takes effect at once", func(t *testing.T) {
			if _, err := e.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamMain, "test"); err != nil {
				t.Fatal(err)
			}
			wantAllowed(t, check(t, e, demo.TeamMain, "UMEMBER", demo.ChannelBackoffice, "RENAME_CHANNEL"), true, authz.RuleAllowIfHasPermission)
			if _, err := e.Revoke(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamMain, "test"); err != nil {
				t.Fatal(err)
			}
			if check(t, e, demo.TeamMain, "UMEMBER", demo.ChannelBackoffice, "RENAME_CHANNEL").Allowed {
				t.Fatal("still allowed after revoke")
			}
			if _, err := e.Revoke(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamMain, "test"); !errors.Is(err, authz.ErrNotFound) {
				t.Fatalf("second revoke: %v, want ErrNotFound", err)
			}
		})
		t.Run("unknown permission denies with an error reason", func(t *testing.T) {
			res, err := e.Check(ctx, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral,
				Permissions: []string{"ARCHIVE_CHANNEL", "LAUNCH_MISSILES"}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Decisions[0].Allowed || res.Decisions[1].Allowed || res.Decisions[1].Reason.Kind != authz.ReasonError ||
				!strings.Contains(res.Decisions[1].Reason.Message, "unknown permission LAUNCH_MISSILES") || res.Allowed() {
				t.Fatalf("decisions = %+v", res.Decisions)
			}
		})
		t.Run("permission not applicable to the entity type", func(t *testing.T) {
			d := check(t, e, demo.TeamMain, "UCHANADMIN", demo.TeamMain, "ARCHIVE_CHANNEL")
			if d.Allowed || d.Reason.Kind != authz.ReasonError || !strings.Contains(d.Reason.Message, "does not apply to workspace") {
				t.Fatalf("decision = %+v", d)
			}
		})
		t.Run("unknown entity, team or action is an error", func(t *testing.T) {
			for _, req := range []authz.EligibilityRequest{
				{TeamID: demo.TeamMain, UserID: "UADMIN", EntityID: "C404", Permissions: []string{"ARCHIVE_CHANNEL"}},
				{TeamID: "T404", UserID: "UADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}},
				{TeamID: demo.ChannelGeneral, UserID: "UADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}},
			} {
				if _, err := e.Check(ctx, req); !errors.Is(err, authz.ErrNotFound) {
					t.Fatalf("%+v: err = %v, want ErrNotFound", req, err)
				}
			}
			_, err := e.CheckPolicy(ctx, authz.PolicyRequest{Action: "channel.explode", TeamID: demo.TeamMain, UserID: "UADMIN", EntityID: demo.ChannelGeneral})
			if !errors.Is(err, authz.ErrNotFound) {
				t.Fatalf("unknown action: %v", err)
			}
		})
		t.Run("malformed requests are rejected", func(t *testing.T) {
			for _, req := range []authz.EligibilityRequest{
				{TeamID: "", UserID: "U", EntityID: "C1", Permissions: []string{"ARCHIVE_CHANNEL"}},
				{TeamID: "T1", UserID: "U 1", EntityID: "C1", Permissions: []string{"ARCHIVE_CHANNEL"}},
				{TeamID: "T1", UserID: "U1", EntityID: "C1"},
				{TeamID: "T1", UserID: "U1", EntityID: "C1", Permissions: []string{"archive"}},
			} {
				if _, err := e.Check(ctx, req); !errors.Is(err, authz.ErrInvalidRequest) {
					t.Fatalf("%+v: err = %v, want ErrInvalidRequest", req, err)
				}
			}
		})
		t.Run("at_least_revision newer than the store fails", func(t *testing.T) {
			rev, err := e.Assign(ctx, "UMEMBER", "USERS_ADMIN", demo.TeamMain, "test")
			if err != nil {
				t.Fatal(err)
			}
			req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UMEMBER", EntityID: demo.TeamMain, Permissions: []string{"VIEW_USER_GROUPS"},
				Consistency: authz.Consistency{AtLeastRevision: rev}}
			res, err := e.Check(ctx, req)
			if err != nil || !res.Allowed() || res.Revision < rev {
				t.Fatalf("at revision %d: %+v, %v", rev, res, err)
			}
			req.Consistency.AtLeastRevision = rev + 1000
			if _, err := e.Check(ctx, req); !errors.Is(err, authz.ErrStale) {
				t.Fatalf("future revision: %v, want ErrStale", err)
			}
		})
	})
}
