package client

import (
	"context"

	"github.com/bastionhq/bastion/authz"
)

// Local checks with an engine in the same process.
type Local struct {
	engine *authz.Engine
}

// NewLocal returns a Checker calling e directly.
func NewLocal(e *authz.Engine) *Local { return &Local{engine: e} }

// Check implements Checker.
func (l *Local) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	res, err := l.engine.Check(ctx, req)
	if err != nil {
		return denyPermissions(req, err), err
	}
	return res, nil
}

// CheckPolicy implements Checker.
func (l *Local) CheckPolicy(ctx context.Context, req authz.PolicyRequest) (authz.Result, error) {
	res, err := l.engine.CheckPolicy(ctx, req)
	if err != nil {
		return denyPolicy(req, err), err
	}
	return res, nil
}
