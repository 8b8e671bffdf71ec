package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownUser marks an assignment to a user who has no account in any
// workspace: almost always a typo (a name typed where an id belongs, a
// letter off). Callers refuse it unless told to allow it, for
// pre-provisioning someone who has not joined yet.
var ErrUnknownUser = errors.New("no account in any workspace")

// UnknownUserError is an assignment refused because its user has no
// account in any workspace. It wraps ErrUnknownUser.
type UnknownUserError struct {
	UserID string
	// Suggestions are users the caller may have meant, each as
	// "ID (name)", best first; empty when none look alike.
	Suggestions []string
}

func (e *UnknownUserError) Error() string {
	msg := fmt.Sprintf("user %q has no account in any workspace, so the assignment is almost certainly a typo", e.UserID)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, " or ") + "?"
	}
	return msg
}

func (e *UnknownUserError) Unwrap() error { return ErrUnknownUser }

// HasAccount reports whether userID has an account type recorded in some
// workspace (a guest's included), reading the store. Returns an error if
// the store cannot be read.
func (e *Engine) HasAccount(ctx context.Context, userID string) (bool, error) {
	rec, err := e.store.LoadUser(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("read user %s: %w", userID, err)
	}
	for _, a := range rec.AccountTypes {
		if a.Type != AccountNone {
			return true, nil
		}
	}
	return false, nil
}
