package client

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
)

// Mode says who decides an action during a migration.
type Mode int

const (
	// Dark: the application's legacy decision is returned; Bastion is
	// asked alongside and disagreements are counted and logged.
	Dark Mode = iota
	// Light: Bastion decides.
	Light
)

// String returns "dark" or "light".
func (m Mode) String() string {
	if m == Light {
		return "light"
	}
	return "dark"
}

// ReasonLegacy is the reason kind of a decision made by the application's
// legacy code in dark mode.
const ReasonLegacy authz.ReasonKind = "legacy"

// LegacyFunc is the application's own permission decision for an action.
type LegacyFunc func(ctx context.Context, req authz.PolicyRequest) bool

// Shadow migrates an application's permission logic to Bastion action by
// action. Each action starts dark; SetMode switches it at runtime.
type Shadow struct {
	checker  Checker
	legacy   LegacyFunc
	log      *slog.Logger
	mismatch *prometheus.CounterVec

	mu    sync.RWMutex
	modes map[string]Mode
}

// NewShadow wraps checker; legacy is the application's own decision.
// bastion_shadow_mismatch_total{action} is registered on reg.
func NewShadow(checker Checker, legacy LegacyFunc, reg prometheus.Registerer, logger *slog.Logger) (*Shadow, error) {
	if logger == nil {
		logger = slog.Default()
	}
	m := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bastion_shadow_mismatch_total",
		Help: "Dark-mode checks where the legacy decision and Bastion's disagreed, by action.",
	}, []string{"action"})
	if err := reg.Register(m); err != nil {
		return nil, fmt.Errorf("register shadow metrics: %w", err)
	}
	return &Shadow{checker: checker, legacy: legacy, log: logger, mismatch: m, modes: map[string]Mode{}}, nil
}

// SetMode sets who decides action from now on.
func (s *Shadow) SetMode(action string, m Mode) {
	s.mu.Lock()
	s.modes[action] = m
	s.mu.Unlock()
	s.log.Info("bastion shadow mode", "action", action, "mode", m.String())
}

// Mode returns who decides action (Dark unless set).
func (s *Shadow) Mode(action string) Mode {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.modes[action]
}

// Check implements Checker: permission checks have no legacy counterpart
// and go straight to the wrapped checker.
func (s *Shadow) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	return s.checker.Check(ctx, req)
}

// CheckPolicy implements Checker. In light mode Bastion's answer is
// returned. In dark mode the legacy decision is returned (with reason kind
// ReasonLegacy) and Bastion, asked at the same time, is compared with it.
func (s *Shadow) CheckPolicy(ctx context.Context, req authz.PolicyRequest) (authz.Result, error) {
	if s.Mode(req.Action) == Light {
		return s.checker.CheckPolicy(ctx, req)
	}
	type answer struct {
		res authz.Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := s.checker.CheckPolicy(ctx, req)
		done <- answer{res, err}
	}()
	legacy := s.legacy(ctx, req)
	b := <-done
	switch {
	case b.err != nil:
		s.log.Warn("bastion shadow: Bastion could not answer", "action", req.Action, "team", req.TeamID, "user", req.UserID, "entity", req.EntityID, "legacy", legacy, "error", b.err)
	case b.res.Allowed() != legacy:
		s.mismatch.WithLabelValues(req.Action).Inc()
		reason := ""
		if len(b.res.Decisions) > 0 {
			reason = b.res.Decisions[0].Reason.Message
		}
		s.log.Warn("bastion shadow mismatch", "action", req.Action, "team", req.TeamID, "user", req.UserID, "entity", req.EntityID,
			"legacy", legacy, "bastion", b.res.Allowed(), "bastion_reason", reason, "revision", int64(b.res.Revision))
	}
	return authz.Result{
		Decisions: []authz.Decision{{Action: req.Action, Allowed: legacy, Reason: authz.Reason{Kind: ReasonLegacy, RuleIndex: -1, Message: "decided by the application's legacy code (dark mode)"}}},
		Revision:  b.res.Revision,
	}, nil
}
