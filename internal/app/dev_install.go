package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
)

// devInstall installs the app into each demo workspace that has no
// installation the sandbox still honours, the way a person would: through
// /slack/install, the sandbox's authorize page and the OAuth callback. A
// restart that kept both the database and the sandbox installs nothing,
// so a workspace reinstalled with more scopes keeps them. A support
// workspace installed here then loses reactions:write, as when an admin
// approved an older scope list, so the console shows an upgrade notice
// and approvals there fall back to buttons.
func devInstall(ctx context.Context, base string, sb *sandbox.Server, svc *slackapp.Service) error {
	for _, team := range []string{demo.TeamMain, demo.TeamOther} {
		ok, err := installed(ctx, svc, sb, team)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if err := oauthInstall(ctx, base, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		if team != demo.TeamOther {
			continue
		}
		scopes := slices.DeleteFunc(slackapp.AllFeatureScopes(), func(s string) bool { return s == "reactions:write" })
		sb.SetScopes(demo.TeamOther, scopes...)
		if _, err := svc.RefreshScopes(ctx, demo.TeamOther); err != nil {
			return fmt.Errorf("refresh scopes of %s: %w", demo.TeamOther, err)
		}
	}
	return nil
}

// installed reports whether team has an active installation whose bot
// token the sandbox accepts.
func installed(ctx context.Context, svc *slackapp.Service, sb *sandbox.Server, team string) (bool, error) {
	list, err := svc.Store().TeamInstallations(ctx, team)
	if err != nil {
		return false, fmt.Errorf("installations of %s: %w", team, err)
	}
	for _, in := range list {
		if !in.Active || in.BotToken == "" {
			continue
		}
		if _, err := slack.New(in.BotToken, slack.OptionAPIURL(sb.APIURL())).AuthTestContext(ctx); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// oauthInstall follows the install link of one team with a cookie jar.
func oauthInstall(ctx context.Context, base, team string) error {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if len(via) > 5 {
			return fmt.Errorf("too many redirects")
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, slackapp.InstallURLFor(base+"/slack/install", team), nil)
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
