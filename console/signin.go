package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// signinBody is the sign-in page's data.
type signinBody struct {
	Dev      bool
	Slack    bool
	Accounts []account
	Message  string
	names    *labels
}

// pageLabels are the names of the users and workspaces the picker offers.
func (b signinBody) pageLabels() *labels { return b.names }

// signinPage serves GET /signin: Sign in with Slack and, in development,
// the user picker.
func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	c.drawSignin(w, r, http.StatusOK, "")
}

func (c *Console) drawSignin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	body := signinBody{Dev: c.opts.DevSignIn, Slack: c.opts.Slack != nil, Message: msg}
	if c.opts.DevSignIn {
		all, err := c.accounts(r.Context())
		if err != nil {
			c.log.Warn("console: list users for the picker", "error", err)
		}
		var users, teams []string
		for _, a := range all {
			if t, err := authz.ParseAccountType(a.Type); err == nil && !t.Restricted() {
				body.Accounts = append(body.Accounts, a)
				users, teams = append(users, a.UserID), append(teams, a.TeamID)
			}
		}
		types := map[string]string{}
		for _, t := range teams {
			types[t] = authz.TypeWorkspace
		}
		body.names = c.readLabels(r.Context(), types, users, teams)
	}
	c.render(w, r, nil, status, "signin", "Sign in", body)
}

// devSignIn serves POST /signin/dev: sign in as the picked user. Only
// offered when Options.DevSignIn is set.
func (c *Console) devSignIn(w http.ResponseWriter, r *http.Request) {
	if !c.opts.DevSignIn {
		http.NotFound(w, r)
		return
	}
	teamID, userID := r.PostFormValue("team"), r.PostFormValue("user")
	if pick := r.PostFormValue("pick"); pick != "" {
		teamID, userID, _ = strings.Cut(pick, "/")
	}
	c.signIn(w, r, teamID, userID, "dev")
}

// signIn starts a session for a user who proved who they are, unless
// they have no account in the team or are a guest.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request, teamID, userID, via string) {
	if err := c.mayUseConsole(r.Context(), teamID, userID); err != nil {
		c.log.Info("console: sign-in refused", "team", teamID, "user", userID, "via", via, "reason", err)
		c.drawSignin(w, r, http.StatusForbidden, err.Error())
		return
	}
	if err := c.startSession(w, teamID, userID, via); err != nil {
		c.log.Error("console: start session", "error", err)
		c.drawSignin(w, r, http.StatusInternalServerError, "Signing in failed on the server. Try again.")
		return
	}
	c.log.Info("console: signed in", "team", teamID, "user", userID, "via", via)
	http.Redirect(w, r, c.opts.Prefix+"/", http.StatusSeeOther)
}

var errNotMember = errors.New("only members of a workspace (not guests) can use the console")

// mayUseConsole lets in users who have a member account or better in the
// team: checks deny guests anyway, so a guest could see nothing.
func (c *Console) mayUseConsole(ctx context.Context, teamID, userID string) error {
	if err := authz.ValidateID("team", teamID); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if err := authz.ValidateID("user", userID); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	up, err := c.engine.ListUserPermissions(ctx, teamID, userID)
	if err != nil {
		return fmt.Errorf("sign in as %s in %s: %w", userID, teamID, err)
	}
	if up.AccountType == authz.AccountNone || up.AccountType.Restricted() {
		return fmt.Errorf("%s in %s: %w", userID, teamID, errNotMember)
	}
	return nil
}

// signOut serves POST /signout.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *userSession) {
	c.endSession(w)
	http.Redirect(w, r, c.opts.Prefix+"/signin", http.StatusSeeOther)
}
