package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
)

// slackCode is the Slack error code of err, or "" when it is not one.
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func TestArchiveRecordsStateAndDeliversTheEvent(t *testing.T) {
	rc, u := newReceiver(t, nil)
	sb, api := world(t, sandbox.Options{EventsURL: u}, append(allScopes, "channels:manage", "groups:write")...)
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C9", Name: "general"}))
	ctx := context.Background()

	must(t, api.ArchiveConversationContext(ctx, "C1"))
	if _, _, env := rc.next(t); env.Event["type"] != "channel_archive" || env.Event["channel"] != "C1" || env.Event["user"] != "UBOT" || env.Event["event_ts"] == "" {
		t.Fatalf("archive event = %v", env.Event)
	}
	archived := map[string]bool{}
	for _, c := range sb.Channels("T1") {
		archived[c.ID] = c.Archived
	}
	if !archived["C1"] || archived["G1"] || archived["C9"] {
		t.Fatalf("archived after one archive = %v", archived)
	}
	info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C1"})
	must(t, err)
	if !info.IsArchived {
		t.Fatalf("conversations.info of an archived channel = %+v", info)
	}
	if info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G1"}); err != nil || info.IsArchived {
		t.Fatalf("conversations.info of a live channel = %+v, %v", info, err)
	}

	must(t, api.ArchiveConversationContext(ctx, "G1"))
	if _, _, env := rc.next(t); env.Event["type"] != "group_archive" || env.Event["channel"] != "G1" {
		t.Fatalf("private archive event = %v", env.Event)
	}

	for channel, want := range map[string]string{
		"C1":    "already_archived",
		"C9":    "cant_archive_general",
		"CNOPE": "channel_not_found",
		"D1":    "method_not_supported_for_channel_type",
		"":      "channel_not_found",
	} {
		if err := api.ArchiveConversationContext(ctx, channel); slackCode(err) != want {
			t.Errorf("archive %q: %v, want %s", channel, err, want)
		}
	}
	for _, c := range sb.Channels("T1") {
		if c.ID == "C9" && c.Archived {
			t.Fatal("refused archive of #general archived it anyway")
		}
	}
}

func TestArchivedChannelTakesNoMessages(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, append(allScopes, "channels:manage")...)
	ctx := context.Background()
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("before", false))
	must(t, err)
	must(t, api.ArchiveConversationContext(ctx, "C1"))

	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("after", false)); slackCode(err) != "is_archived" {
		t.Fatalf("post into an archived channel: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts)); slackCode(err) != "is_archived" {
		t.Fatalf("thread reply in an archived channel: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("psst", false)); slackCode(err) != "is_archived" {
		t.Fatalf("ephemeral in an archived channel: %v", err)
	}
	if _, err := sb.PostAsUser("T1", "C1", "U1", "hello?"); err == nil || !strings.Contains(err.Error(), "is_archived") {
		t.Fatalf("user post into an archived channel: %v", err)
	}
	if m := sb.Messages("C1"); len(m) != 1 || m[0].Text != "before" {
		t.Fatalf("messages = %+v", m)
	}
	if _, err := sb.PostAsUser("T1", "G1", "U1", "still open"); err != nil {
		t.Fatalf("post in another channel: %v", err)
	}
}

func TestArchiveNeedsTheScopeOfTheChannelType(t *testing.T) {
	var headers http.Header
	sb, _ := world(t, sandbox.Options{}, "chat:write")
	token, err := sb.InstallApp("T1", "chat:write")
	must(t, err)
	api := slack.New(token, slack.OptionAPIURL(sb.APIURL()), slack.OptionOnResponseHeaders(func(_ string, h http.Header) { headers = h }))
	ctx := context.Background()

	err = api.ArchiveConversationContext(ctx, "C1")
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "channels:manage,groups:write" || se.Provided != "chat:write" {
		t.Fatalf("archive without either scope: %#v", err)
	}
	if got := headers.Get("X-Accepted-OAuth-Scopes"); got != "channels:manage,groups:write" {
		t.Fatalf("x-accepted-oauth-scopes = %q", got)
	}

	sb.SetScopes("T1", "groups:write")
	if err := api.ArchiveConversationContext(ctx, "C1"); !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "channels:manage" {
		t.Fatalf("public archive with groups:write only: %#v", err)
	}
	must(t, api.ArchiveConversationContext(ctx, "G1"))

	sb.SetScopes("T1", "channels:manage")
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "G2", Name: "hidden", Type: sandbox.PrivateChannel}))
	if err := api.ArchiveConversationContext(ctx, "G2"); !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "groups:write" {
		t.Fatalf("private archive with channels:manage only: %#v", err)
	}
	must(t, api.ArchiveConversationContext(ctx, "C1"))

	if err := slack.New("", slack.OptionAPIURL(sb.APIURL())).ArchiveConversationContext(ctx, "C1"); slackCode(err) != "not_authed" {
		t.Fatalf("archive without a token: %v", err)
	}
	must(t, sb.RevokeTokens("T1"))
	if err := api.ArchiveConversationContext(ctx, "G2"); slackCode(err) != "token_revoked" {
		t.Fatalf("archive with a revoked token: %v", err)
	}

	// Without an events URL deliveries are recorded as they are emitted:
	// only the two archives that succeeded (and the revocation) emitted one.
	var kinds []string
	for _, d := range sb.Deliveries() {
		kinds = append(kinds, d.Type)
	}
	if strings.Join(kinds, " ") != "group_archive channel_archive tokens_revoked" {
		t.Fatalf("events = %v", kinds)
	}
}
