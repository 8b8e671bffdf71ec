package bot

import "context"

// Authorizer is what the bot needs from the permission service: whether
// userID of teamID may use permission in channelID.
type Authorizer interface {
	CheckPermission(ctx context.Context, teamID, userID, channelID, permission string) (Decision, error)
}

// Decision is the permission service's answer, with a reason a person can
// read ("role billing-admin grants EXTEND_TRIAL in #backoffice").
type Decision struct {
	Allowed bool
	Reason  string
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, teamID, userID, channelID, permission string) (Decision, error)

// CheckPermission calls f.
func (f AuthorizerFunc) CheckPermission(ctx context.Context, teamID, userID, channelID, permission string) (Decision, error) {
	return f(ctx, teamID, userID, channelID, permission)
}
