package sandbox_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
)

// A sandbox restored from another's state has its workspaces, people,
// channels, messages, reactions and tokens, and gives new messages later
// timestamps than the old ones even when its clock is behind.
func TestStateSurvivesARestart(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, append(allScopes, "channels:manage")...)
	ctx := context.Background()
	ts, err := sb.PostAsUser("T1", "C1", "U1", "deploy?")
	must(t, err)
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("in thread", false), slack.MsgOptionTS(ts))
	must(t, err)
	must(t, sb.React("T1", "U2", "C1", ts, "white_check_mark"))
	_, err = api.PostEphemeralContext(ctx, "G1", "U1", slack.MsgOptionText("psst", false))
	must(t, err)
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C2", Name: "old", Creator: "U1"}))
	must(t, api.ArchiveConversationContext(ctx, "C2"))
	token, err := sb.InstallApp("T1", "chat:write")
	must(t, err)

	data, err := sb.State().Encode()
	must(t, err)
	st, err := sandbox.DecodeState(data)
	must(t, err)
	past := time.Now().Add(-time.Hour)
	again := sandbox.New(sandbox.Options{SigningSecret: secret, Now: func() time.Time { return past }})
	again.Start()
	t.Cleanup(again.Close)
	must(t, again.Restore(st))

	for _, ch := range []string{"C1", "G1", "C2", "D1"} {
		if got, want := again.Messages(ch), sb.Messages(ch); !reflect.DeepEqual(got, want) {
			t.Errorf("messages of %s after restore:\n%+v\nwant\n%+v", ch, got, want)
		}
		if got, want := again.Ephemerals(ch), sb.Ephemerals(ch); !reflect.DeepEqual(got, want) {
			t.Errorf("ephemerals of %s after restore: %+v, want %+v", ch, got, want)
		}
	}
	for _, team := range []string{"T1"} {
		if !reflect.DeepEqual(again.Users(team), sb.Users(team)) || !reflect.DeepEqual(again.Channels(team), sb.Channels(team)) {
			t.Errorf("people or channels differ: %+v %+v", again.Users(team), again.Channels(team))
		}
	}
	if !reflect.DeepEqual(again.Teams(), sb.Teams()) {
		t.Errorf("teams = %+v, want %+v", again.Teams(), sb.Teams())
	}
	if r := again.Reactions("C1", ts); len(r) != 1 || r[0].Name != "white_check_mark" || r[0].Users[0] != "U2" {
		t.Errorf("reactions after restore: %+v", r)
	}
	for _, tok := range []string{token} {
		if _, err := slack.New(tok, slack.OptionAPIURL(again.APIURL())).AuthTestContext(ctx); err != nil {
			t.Errorf("a token of the saved sandbox: %v", err)
		}
	}
	later, err := again.PostAsUser("T1", "C1", "U2", "after the restart")
	must(t, err)
	for _, m := range sb.Messages("C1") {
		if later <= m.TS && len(later) == len(m.TS) {
			t.Errorf("new message ts %s is not after %s", later, m.TS)
		}
	}
}

func TestRestoreRefusesStateThatContradictsItself(t *testing.T) {
	good := func() sandbox.State {
		return sandbox.State{Version: sandbox.StateVersion,
			Teams:    []sandbox.Team{{ID: "T1"}},
			Users:    map[string][]sandbox.User{"T1": {{ID: "U1"}}},
			Channels: []sandbox.ChannelState{{Team: "T1", Channel: sandbox.Channel{ID: "C1", Type: sandbox.PublicChannel}, Messages: []sandbox.Message{{TS: "1.000001", User: "U1"}}}},
			Installs: []sandbox.InstallState{{Team: "T1", Token: "xoxb-1"}}}
	}
	for name, spoil := range map[string]func(*sandbox.State){
		"team twice":            func(s *sandbox.State) { s.Teams = append(s.Teams, sandbox.Team{ID: "T1"}) },
		"team without id":       func(s *sandbox.State) { s.Teams = append(s.Teams, sandbox.Team{}) },
		"people of no team":     func(s *sandbox.State) { s.Users["T9"] = []sandbox.User{{ID: "U9"}} },
		"channel of no team":    func(s *sandbox.State) { s.Channels[0].Team = "T9" },
		"channel twice":         func(s *sandbox.State) { s.Channels = append(s.Channels, s.Channels[0]) },
		"channel of no type":    func(s *sandbox.State) { s.Channels[0].Channel.Type = "" },
		"message without ts":    func(s *sandbox.State) { s.Channels[0].Messages[0].TS = "" },
		"message elsewhere":     func(s *sandbox.State) { s.Channels[0].Messages[0].Channel = "C9" },
		"token twice":           func(s *sandbox.State) { s.Installs = append(s.Installs, s.Installs[0]) },
		"install of no team":    func(s *sandbox.State) { s.Installs[0].Team = "T9" },
		"install without token": func(s *sandbox.State) { s.Installs[0].Token = "" },
	} {
		sb, _ := world(t, sandbox.Options{}, allScopes...)
		st := good()
		spoil(&st)
		if err := sb.Restore(st); err == nil || !strings.Contains(err.Error(), "restore sandbox") {
			t.Errorf("%s: %v", name, err)
		}
		if m := sb.Messages("C1"); len(m) != 0 || len(sb.Users("T1")) != 2 {
			t.Errorf("%s: a refused state changed the sandbox", name)
		}
	}
	sb := sandbox.New(sandbox.Options{})
	must(t, sb.Restore(good()))
	if m := sb.Messages("C1"); len(m) != 1 || m[0].Channel != "C1" {
		t.Fatalf("restored messages = %+v", m)
	}
	for _, text := range []string{``, `{}`, `{"Version":99}`, `[1]`, `{"Version":"x"}`} {
		if _, err := sandbox.DecodeState([]byte(text)); err == nil {
			t.Errorf("DecodeState(%q) succeeded", text)
		}
	}
}

func FuzzDecodeAndRestoreState(f *testing.F) {
	f.Add([]byte(`{"Version":1,"Teams":[{"ID":"T1"}],"Users":{"T1":[{"ID":"U1"}]},"Channels":[{"Team":"T1","Channel":{"ID":"C1","Type":"channel"},"Messages":[{"TS":"1.1"}]}]}`))
	f.Add([]byte(`{"Version":1,"Installs":[{"Team":"T1","Token":"x"}]}`))
	f.Add([]byte(`{"Version":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := sandbox.DecodeState(data)
		if err != nil {
			return
		}
		sb := sandbox.New(sandbox.Options{})
		if err := sb.Restore(st); err != nil {
			return
		}
		// What was restored saves again and reads back the same.
		again, err := sb.State().Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := sandbox.DecodeState(again)
		if err != nil {
			t.Fatalf("a restored state does not decode: %v", err)
		}
		if err := sandbox.New(sandbox.Options{}).Restore(back); err != nil {
			t.Fatalf("a restored state does not restore: %v", err)
		}
	})
}
