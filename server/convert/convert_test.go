package convert

import (
	"reflect"
	"testing"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
)

func TestResultRoundTrip(t *testing.T) {
	in := authz.Result{
		Decisions: []authz.Decision{
			{Permission: "SET_PLAN", Allowed: true, Reason: authz.Reason{Kind: authz.ReasonRule, Rule: authz.RuleAllowIfHasPermission, RuleIndex: 1,
				Grant: &authz.Grant{Role: "BACKOFFICE_OPERATOR", EntityID: "T1", GrantedBy: "T1/UROLES"}, Message: "m"}},
			{Action: "channel.archive", Reason: authz.Reason{Kind: authz.ReasonDefault, RuleIndex: -1, Message: "no"}},
			{Permission: "NOPE", Reason: authz.Reason{Kind: authz.ReasonError, RuleIndex: -1, Message: "unknown"}},
		},
		Revision:      42,
		Authoritative: true,
	}
	if out := Result(ResultToProto(in)); !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestRequestsAndPermissionsRoundTrip(t *testing.T) {
	req := authz.EligibilityRequest{TeamID: "T1", UserID: "U1", EntityID: "C1", Permissions: []string{"A", "B"},
		Consistency: authz.Consistency{Mode: authz.BoundedStaleness, AtLeastRevision: 7}}
	if out := Eligibility(EligibilityToProto(req)); !reflect.DeepEqual(req, out) {
		t.Errorf("eligibility: got %+v want %+v", out, req)
	}
	pol := authz.PolicyRequest{Action: "x.y", TeamID: "T1", UserID: "U1", EntityID: "C1"}
	if out := Policy(PolicyToProto(pol)); !reflect.DeepEqual(pol, out) {
		t.Errorf("policy: got %+v want %+v", out, pol)
	}
	if Consistency(nil) != (authz.Consistency{Mode: authz.Authoritative}) {
		t.Error("a missing consistency must mean authoritative")
	}
	up := authz.UserPermissions{TeamID: "T1", UserID: "U1", AccountType: authz.AccountAdmin, Revision: 9,
		Entities: []authz.EntityPermissions{{EntityID: "C2", EntityType: "channel", Permissions: []string{"SET_PLAN"}, Grants: []authz.Grant{{Role: "R", EntityID: "C2"}}}}}
	if out := UserPermissions(UserPermissionsToProto(up)); !reflect.DeepEqual(up, out) {
		t.Errorf("user permissions: got %+v want %+v", out, up)
	}
	for at, want := range map[authz.AccountType]authzv1.AccountType{
		authz.AccountNone:            authzv1.AccountType_ACCOUNT_TYPE_UNSPECIFIED,
		authz.AccountUltraRestricted: authzv1.AccountType_ACCOUNT_TYPE_ULTRA_RESTRICTED,
		authz.AccountRestricted:      authzv1.AccountType_ACCOUNT_TYPE_RESTRICTED,
		authz.AccountMember:          authzv1.AccountType_ACCOUNT_TYPE_MEMBER,
		authz.AccountAdmin:           authzv1.AccountType_ACCOUNT_TYPE_ADMIN,
		authz.AccountOwner:           authzv1.AccountType_ACCOUNT_TYPE_OWNER,
		authz.AccountPrimaryOwner:    authzv1.AccountType_ACCOUNT_TYPE_PRIMARY_OWNER,
	} {
		if got := AccountTypeToProto(at); got != want || AccountType(got) != at {
			t.Errorf("account type %v maps to %v, want %v", at, got, want)
		}
	}
}
