package slackapp

import "context"

// HandleLifecycleEvent applies an Events API event that changes an
// installation: app_uninstalled and tokens_revoked mark the team's
// installations inactive. It reports whether the event type was one of
// those.
func (s *Service) HandleLifecycleEvent(ctx context.Context, teamID, eventType string) (bool, error) {
	switch eventType {
	case "app_uninstalled", "tokens_revoked":
		return true, s.MarkInactive(ctx, teamID)
	}
	return false, nil
}
