package console

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// teamAccounts is one workspace on the accounts page.
type teamAccounts struct {
	TeamID string
	// Attrs hide the workspace when the user may no longer see it.
	Attrs    template.HTMLAttr
	Prefs    []pref
	PrefText string
	Accounts []account
	// Users are what the account form's picker offers: the team's
	// members, when the user may change account types there.
	Users []pickOption
}

type pref struct{ Key, Value string }

// accountsBody is the accounts page's data.
type accountsBody struct {
	Teams []teamAccounts
	Types []string
}

// accountsPage serves GET /accounts: the preferences and account types
// of each workspace where the user holds VIEW_TEAM_SETTINGS, with the
// forms that change them.
func (c *Console) accountsPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	ctx := r.Context()
	pv, err := c.permissions(ctx, s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	ents, err := c.engine.Entities(ctx)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	accts, err := c.accounts(ctx)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b := accountsBody{Types: authz.AccountTypeNames()}
	var users, teams []string
	pickers := map[string][]string{}
	for _, e := range ents {
		if e.Type != authz.TypeWorkspace {
			continue
		}
		sh, ok := pv.teamSettingsShown(e.ID)
		if !ok {
			continue
		}
		prefs, err := c.engine.TeamPrefs(ctx, e.ID)
		if err != nil {
			c.readFailed(w, r, s, err)
			return
		}
		ta := teamAccounts{TeamID: e.ID, Attrs: sh.attrs()}
		var lines []string
		for k, v := range prefs {
			ta.Prefs = append(ta.Prefs, pref{k, v})
		}
		sort.Slice(ta.Prefs, func(i, j int) bool { return ta.Prefs[i].Key < ta.Prefs[j].Key })
		for _, p := range ta.Prefs {
			lines = append(lines, p.Key+"="+p.Value)
		}
		ta.PrefText = strings.Join(lines, "\n")
		for _, a := range accts {
			if a.TeamID == e.ID {
				ta.Accounts = append(ta.Accounts, a)
				users = append(users, a.UserID)
			}
		}
		teams = append(teams, e.ID)
		if pv.can(authz.PermAdministerRoles, e.ID) {
			members, err := c.teamMembers(ctx, map[string]bool{e.ID: true})
			if err != nil {
				c.readFailed(w, r, s, err)
				return
			}
			pickers[e.ID] = members
			users = append(users, members...)
		}
		b.Teams = append(b.Teams, ta)
	}
	l := c.label(ctx, s, users, teams)
	for i := range b.Teams {
		b.Teams[i].Users = userOptions(l, pickers[b.Teams[i].TeamID])
	}
	c.renderNeeding(w, r, s, PermViewTeamSettings, "accounts", "Accounts and preferences", b)
}

// setAccountType serves POST /accounts/type; it needs ADMINISTER_ROLES on
// the team.
func (c *Console) setAccountType(w http.ResponseWriter, r *http.Request, s *userSession) {
	team, user := strings.TrimSpace(r.PostFormValue("team")), strings.TrimSpace(r.PostFormValue("user"))
	what := fmt.Sprintf("set the account type of %s in %s", user, team)
	t, err := authz.ParseAccountType(r.PostFormValue("type"))
	if err != nil {
		c.fail(w, r, s, http.StatusBadRequest, "Could not "+what+": "+err.Error())
		return
	}
	if _, err := c.engine.SetAccountTypeAs(r.Context(), s.Actor(), team, user, t); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	l := c.label(r.Context(), s, []string{user}, []string{team})
	c.done(w, r, s, fmt.Sprintf("%s is now %s in %s.", l.userText(user), t, l.entityText(team)), "/accounts")
}

// setTeamPrefs serves POST /accounts/prefs: replace a team's preferences
// with the "key=value" lines of the prefs field. It needs
// ADMINISTER_ROLES on the team.
func (c *Console) setTeamPrefs(w http.ResponseWriter, r *http.Request, s *userSession) {
	team := strings.TrimSpace(r.PostFormValue("team"))
	what := "set the preferences of " + team
	prefs, err := parsePrefs(r.PostFormValue("prefs"))
	if err != nil {
		c.fail(w, r, s, http.StatusBadRequest, "Could not "+what+": "+err.Error())
		return
	}
	if _, err := c.engine.SetTeamPrefsAs(r.Context(), s.Actor(), team, prefs); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	l := c.label(r.Context(), s, nil, []string{team})
	c.done(w, r, s, "Saved the preferences of "+l.entityText(team)+".", "/accounts")
}

// parsePrefs reads "key=value" lines; blank lines are skipped.
func parsePrefs(text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("line %d: write key=value", i+1)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}
