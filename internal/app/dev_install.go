package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
)

// devInstall installs the app into both demo workspaces the way a person
// would: through /slack/install, the sandbox's authorize page and the OAuth
// callback. The support workspace then loses reactions:write, as when an
// admin approved an older scope list, so the console shows an upgrade
// notice and approvals there fall back to buttons.
func devInstall(ctx context.Context, base string, sb *sandbox.Server, svc *slackapp.Service) error {
	for _, team := range []string{demo.TeamMain, demo.TeamOther} {
		if err := oauthInstall(ctx, base, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
	}
	scopes := slices.DeleteFunc(slackapp.AllFeatureScopes(), func(s string) bool { return s == "reactions:write" })
	sb.SetScopes(demo.TeamOther, scopes...)
	if _, err := svc.RefreshScopes(ctx, demo.TeamOther); err != nil {
		return fmt.Errorf("refresh scopes of %s: %w", demo.TeamOther, err)
	}
	return nil
}

// oauthInstall follows the install link for one team with a cookie jar,
// naming the team on the sandbox's authorize page.
func oauthInstall(ctx context.Context, base, team string) error {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/oauth/v2/authorize" {
			q := r.URL.Query()
			q.Set("team", team)
			r.URL.RawQuery = q.Encode()
		}
		if len(via) > 5 {
			return fmt.Errorf("too many redirects")
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/slack/install", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("follow the install link: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("install ended with %s: %s", resp.Status, body)
	}
	return nil
}
