package slackapp

import (
	"slices"
	"strings"
	"testing"
)

// TestScopeNumbersArePinned fails when a scope is renumbered: values are
// stored in databases as bit positions.
func TestScopeNumbersArePinned(t *testing.T) {
	pinned := []string{
		"commands", "chat:write", "chat:write.public", "reactions:read", "reactions:write", "im:history", "im:write",
		"app_mentions:read", "channels:history", "groups:history", "users:read", "channels:read", "groups:read",
		"im:read", "mpim:read", "mpim:history", "users:read.email", "team:read", "chat:write.customize",
		"channels:manage", "groups:write",
	}
	known := KnownScopes()
	if len(known) < len(pinned) {
		t.Fatalf("%d known scopes, %d pinned: scopes may only be appended", len(known), len(pinned))
	}
	for i, name := range pinned {
		if known[i].String() != name || uint8(known[i]) != uint8(i) {
			t.Errorf("scope %d is %q, pinned as %q", i, known[i], name)
		}
	}
	if len(known) > 64 {
		t.Fatal("more than 64 scopes do not fit the bit set")
	}
}

func TestEveryScopeRoundTrips(t *testing.T) {
	for _, s := range KnownScopes() {
		got, ok := LookupScope(s.String())
		if !ok || got != s {
			t.Fatalf("lookup %q = %v, %v", s, got, ok)
		}
		one := ParseScopes(s.String())
		if one.Known != ScopeSet(1)<<s || len(one.Unknown) != 0 || !one.Has(s.String()) {
			t.Fatalf("parse %q = %+v", s, one)
		}
	}
	var all []string
	for _, s := range KnownScopes() {
		all = append(all, s.String())
	}
	all = append(all, "admin.teams:write", "workflow.steps:execute")
	parsed := ParseScopes(strings.Join(all, ","))
	if !slices.Equal(parsed.Names(), all) {
		t.Fatalf("names = %v", parsed.Names())
	}
	if again := ParseScopes(parsed.String()); !again.Equal(parsed) {
		t.Fatalf("round trip: %+v != %+v", again, parsed)
	}
	if !parsed.Has("admin.teams:write") || parsed.Has("files:write") {
		t.Fatal("Has is wrong for unknown scopes")
	}
}

func TestParseScopesTolerance(t *testing.T) {
	got := ParseScopes(" chat:write ,,commands,chat:write,zz,zz, ")
	if got.Known != ScopesOf(ScopeChatWrite, ScopeCommands).Known || !slices.Equal(got.Unknown, []string{"zz"}) {
		t.Fatalf("parse = %+v", got)
	}
	if got.String() != "commands,chat:write,zz" {
		t.Fatalf("string = %q", got.String())
	}
	if empty := ParseScopes(""); empty.Known != 0 || empty.Unknown != nil || empty.String() != "" {
		t.Fatalf("empty = %+v", empty)
	}
}

func FuzzParseScopes(f *testing.F) {
	f.Add("chat:write,commands")
	f.Add("a,b,,c, d ,a")
	f.Add("")
	f.Add(",,,")
	f.Add("reactions:read,\x00,\u00e9")
	f.Fuzz(func(t *testing.T, list string) {
		s := ParseScopes(list)
		again := ParseScopes(s.String())
		if !again.Equal(s) {
			t.Fatalf("round trip of %q: %+v then %+v", list, s, again)
		}
		for _, name := range s.Names() {
			if !s.Has(name) || strings.Contains(name, ",") || name != strings.TrimSpace(name) || name == "" {
				t.Fatalf("bad name %q from %q", name, list)
			}
		}
	})
}

func TestFeaturesTable(t *testing.T) {
	cases := []struct {
		feature Feature
		granted string
		missing []string
	}{
		{FeatureSlashCommands, "commands", nil},
		{FeatureSlashCommands, "chat:write", []string{"commands"}},
		{FeatureNotifications, "chat:write,chat:write.public", nil},
		{FeatureNotifications, "chat:write", []string{"chat:write.public"}},
		{FeatureApprovalsByReaction, "reactions:read,reactions:write", nil},
		{FeatureApprovalsByReaction, "reactions:read", []string{"reactions:write"}},
		{FeatureHelpInDM, "im:history,im:write", nil},
		{FeatureHelpInDM, "", []string{"im:history", "im:write"}},
		{FeatureBotMentions, "app_mentions:read,chat:write", nil},
		{FeatureBotMentions, "app_mentions:read", []string{"chat:write"}},
		{FeatureChannelMessages, "channels:history,groups:history", nil},
		{FeatureChannelMessages, "channels:history", []string{"groups:history"}},
		{FeatureUserLookup, "users:read", nil},
		{FeatureUserLookup, "users:read.email", []string{"users:read"}},
		{FeatureChannelManagement, "channels:manage,groups:write", nil},
		{FeatureChannelManagement, "channels:read,groups:read", []string{"channels:manage", "groups:write"}},
		{FeatureDisplayNames, "users:read,channels:read,groups:read,team:read", nil},
		{FeatureDisplayNames, "users:read,channels:read", []string{"groups:read", "team:read"}},
	}
	covered := map[Feature]bool{}
	for _, c := range cases {
		covered[c.feature] = true
		got, err := Missing(ParseScopes(c.granted), c.feature)
		if err != nil || !slices.Equal(got, c.missing) {
			t.Errorf("%s with %q: missing %v, %v; want %v", c.feature, c.granted, got, err, c.missing)
		}
	}
	for _, f := range Features() {
		if !covered[f] {
			t.Errorf("feature %s has no table test", f)
		}
	}
	if _, err := Missing(Scopes{}, "teleport"); err == nil {
		t.Fatal("unknown feature accepted")
	}
}
