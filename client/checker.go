package client

import (
	"context"

	"github.com/bastionhq/bastion/authz"
)

// Checker answers permission checks. On error the result denies every
// permission asked, so a caller that ignores the error still fails closed.
type Checker interface {
	// Check answers an eligibility request: one decision per permission.
	Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error)
	// CheckPolicy answers whether a user may do a named action.
	CheckPolicy(ctx context.Context, req authz.PolicyRequest) (authz.Result, error)
}

// denyPermissions is the fail-closed answer to an eligibility request that
// could not be answered.
func denyPermissions(req authz.EligibilityRequest, err error) authz.Result {
	res := authz.Result{Decisions: make([]authz.Decision, max(len(req.Permissions), 1))}
	for i := range res.Decisions {
		if i < len(req.Permissions) {
			res.Decisions[i].Permission = req.Permissions[i]
		}
		res.Decisions[i].Reason = failReason(err)
	}
	return res
}

// denyPolicy is the fail-closed answer to a policy request that could not
// be answered.
func denyPolicy(req authz.PolicyRequest, err error) authz.Result {
	return authz.Result{Decisions: []authz.Decision{{Action: req.Action, Reason: failReason(err)}}}
}

func failReason(err error) authz.Reason {
	return authz.Reason{Kind: authz.ReasonError, RuleIndex: -1, Message: "denied: the check failed: " + err.Error()}
}
