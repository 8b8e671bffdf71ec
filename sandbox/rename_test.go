package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/bastionhq/bastion/sandbox"
)

func TestTeamInfoNeedsTeamReadAndStaysInTheOrganisation(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, append(allScopes, "team:read")...)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1", Name: "Acme", Domain: "acme", EnterpriseID: "E1", EnterpriseName: "Acme Corp"}))
	must(t, sb.AddTeam(sandbox.Team{ID: "T2", Name: "Acme Support", EnterpriseID: "E1", EnterpriseName: "Acme Corp"}))
	must(t, sb.AddTeam(sandbox.Team{ID: "T9", Name: "Elsewhere"}))
	ctx := context.Background()
	info, err := api.GetTeamInfoContext(ctx)
	must(t, err)
	if info.ID != "T1" || info.Name != "Acme" || info.Domain != "acme" {
		t.Fatalf("team.info = %+v", info)
	}
	// The raw answer carries the organisation, which slack-go's type
	// leaves out.
	var raw struct {
		OK   bool `json:"ok"`
		Team struct {
			EnterpriseID   string `json:"enterprise_id"`
			EnterpriseName string `json:"enterprise_name"`
			Name           string `json:"name"`
		} `json:"team"`
	}
	token, err := sb.InstallApp("T1", "team:read")
	must(t, err)
	body := rawTeamInfo(t, sb, token, "T2")
	must(t, json.Unmarshal(body, &raw))
	if !raw.OK || raw.Team.Name != "Acme Support" || raw.Team.EnterpriseID != "E1" || raw.Team.EnterpriseName != "Acme Corp" {
		t.Fatalf("team.info of T2: %s", body)
	}
	if body := rawTeamInfo(t, sb, token, "T9"); !strings.Contains(string(body), `"error":"team_not_found"`) {
		t.Fatalf("team.info of another organisation: %s", body)
	}
	_, noScope := world(t, sandbox.Options{}, allScopes...)
	if _, err := noScope.GetTeamInfoContext(ctx); slackCode(err) != "missing_scope" {
		t.Fatalf("team.info without team:read: %v", err)
	}
}

func rawTeamInfo(t *testing.T, sb *sandbox.Server, token, team string) []byte {
	t.Helper()
	res, err := http.PostForm(sb.APIURL()+"team.info", url.Values{"token": {token}, "team": {team}})
	must(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	must(t, err)
	return body
}

func TestRenamesAreDeliveredAsSlackDoes(t *testing.T) {
	rc, u := newReceiver(t, nil)
	sb, api := world(t, sandbox.Options{EventsURL: u}, allScopes...)
	ctx := context.Background()

	must(t, sb.RenameUser("T1", "U1", "annie", "Ann Lee"))
	_, body, env := rc.next(t)
	if env.Event["type"] != "user_change" {
		t.Fatalf("event = %v", env.Event)
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	must(t, err)
	uc, ok := ev.InnerEvent.Data.(*slackevents.UserChangeEvent)
	if !ok || uc.User.ID != "U1" || uc.User.RealName != "Ann Lee" || uc.User.Profile.DisplayName != "annie" || !uc.User.IsAdmin {
		t.Fatalf("user_change = %#v", ev.InnerEvent.Data)
	}
	if got, err := api.GetUserInfoContext(ctx, "U1"); err != nil || got.RealName != "Ann Lee" || got.Name != "annie" {
		t.Fatalf("users.info after the rename = %+v, %v", got, err)
	}

	must(t, sb.RenameChannel("T1", "C1", "back-office"))
	_, body, _ = rc.next(t)
	ev, err = slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	must(t, err)
	if cr, ok := ev.InnerEvent.Data.(*slackevents.ChannelRenameEvent); !ok || cr.Channel.ID != "C1" || cr.Channel.Name != "back-office" {
		t.Fatalf("channel_rename = %#v", ev.InnerEvent.Data)
	}
	if info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C1"}); err != nil || info.Name != "back-office" {
		t.Fatalf("conversations.info after the rename = %+v, %v", info, err)
	}
	must(t, sb.RenameChannel("T1", "G1", "vault"))
	if _, _, env := rc.next(t); env.Event["type"] != "group_rename" {
		t.Fatalf("private channel rename = %v", env.Event)
	}
	must(t, sb.RenameTeam("T1", "Acme Inc"))
	if _, _, env := rc.next(t); env.Event["type"] != "team_rename" || env.Event["name"] != "Acme Inc" || env.Event["team_id"] != "T1" {
		t.Fatalf("team_rename = %v", env.Event)
	}
	for name, err := range map[string]error{
		"unknown user":    sb.RenameUser("T1", "U404", "x", "X"),
		"unknown channel": sb.RenameChannel("T1", "C404", "x"),
		"direct message":  sb.RenameChannel("T1", "D1", "x"),
		"unknown team":    sb.RenameTeam("T404", "x"),
	} {
		if err == nil {
			t.Errorf("%s: renamed", name)
		}
	}
	if teams := sb.Teams(); len(teams) != 1 || teams[0].Name != "Acme Inc" {
		t.Fatalf("teams after the rename: %+v", teams)
	}
}
