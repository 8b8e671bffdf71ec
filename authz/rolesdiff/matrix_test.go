package rolesdiff_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

func decisions(t *testing.T, old, new *authz.Catalog, opts rolesdiff.Options) map[string]rolesdiff.PolicyDecisions {
	t.Helper()
	opts.Dir = t.TempDir()
	ds, err := rolesdiff.Decisions(context.Background(), old, new, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]rolesdiff.PolicyDecisions{}
	for _, d := range ds {
		out[d.Action] = d
	}
	return out
}

func caseText(c rolesdiff.Case) string {
	return strings.Join(c.Values, " | ") + ": " + c.Old.String() + " -> " + c.New.String()
}

func TestDecisionsOfTheSameFileDoNotChange(t *testing.T) {
	for action, d := range decisions(t, builtin(t), builtin(t), rolesdiff.Options{}) {
		if d.Changed != 0 || d.Skipped != "" || d.Cases == 0 {
			t.Errorf("%s: %+v", action, d)
		}
	}
}

func TestDecisionsFindWhoIsNowAllowed(t *testing.T) {
	// Members may now rename by default, and the creator rule goes.
	new := edit(t, "{preference: who_can_rename_channels, default: admin}\n      - allow_if_creator\n",
		"{preference: who_can_rename_channels, default: member}\n")
	d := decisions(t, builtin(t), new, rolesdiff.Options{})["channel.rename"]
	dims := make([]string, len(d.Dimensions))
	for i, dim := range d.Dimensions {
		dims[i] = dim.Name
	}
	if strings.Join(dims, ",") != "account type,who_can_rename_channels,creator,holds RENAME_CHANNEL" || d.Cases != 7*6*2*2 {
		t.Fatalf("dimensions %v, %d cases", dims, d.Cases)
	}
	var got []string
	for _, c := range d.Differences {
		got = append(got, caseText(c))
	}
	want := []string{
		// A member who neither created the channel nor holds the
		// permission, under the default preference, is now allowed.
		"member | (default) | no | no: deny (default_deny) -> allow (allow_if_legacy)",
		// A creator whom the preference does not admit, without the
		// permission, is no longer allowed, whatever the account type
		// (short of a guest's or a non-member's).
		"member | admin | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"member | owner | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"member | primary_owner | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"member | nobody | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"admin | owner | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"admin | primary_owner | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"admin | nobody | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"owner | primary_owner | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"owner | nobody | yes | no: allow (allow_if_creator) -> deny (default_deny)",
		"primary_owner | nobody | yes | no: allow (allow_if_creator) -> deny (default_deny)",
	}
	if d.Changed != len(want) {
		t.Errorf("%d cases changed, want %d", d.Changed, len(want))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if others := decisions(t, builtin(t), new, rolesdiff.Options{}); others["channel.archive"].Changed != 0 {
		t.Errorf("channel.archive changed too: %+v", others["channel.archive"])
	}
}

func TestDecisionsMergeWhatDoesNotMatter(t *testing.T) {
	// Without the guest rule, guests and people with no account in the
	// team get in through the role or by having created the channel,
	// whatever the preference says.
	new := edit(t, "  - action: channel.archive\n    entity_type: channel\n    rules:\n      - deny_if_actor_restricted\n",
		"  - action: channel.archive\n    entity_type: channel\n    rules:\n")
	d := decisions(t, builtin(t), new, rolesdiff.Options{})["channel.archive"]
	var got []string
	for _, c := range d.Differences {
		got = append(got, caseText(c))
	}
	want := []string{
		"none | * | no | yes: deny (deny_if_actor_restricted) -> allow (allow_if_has_permission)",
		"none | * | yes | *: deny (deny_if_actor_restricted) -> allow (allow_if_creator)",
		"ultra_restricted | * | no | yes: deny (deny_if_actor_restricted) -> allow (allow_if_has_permission)",
		"ultra_restricted | * | yes | *: deny (deny_if_actor_restricted) -> allow (allow_if_creator)",
		"restricted | * | no | yes: deny (deny_if_actor_restricted) -> allow (allow_if_has_permission)",
		"restricted | * | yes | *: deny (deny_if_actor_restricted) -> allow (allow_if_creator)",
	}
	if d.Changed != 3*(6+6*2) || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%d changed cases; differences:\n%s\nwant:\n%s", d.Changed, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecisionsSkipHugeMatrices(t *testing.T) {
	d := decisions(t, builtin(t), builtin(t), rolesdiff.Options{MaxCases: 100})
	if !strings.Contains(d["channel.archive"].Skipped, "more than 100 cases") || d["workspace.add_user"].Skipped != "" {
		t.Fatalf("channel.archive %+v, workspace.add_user %+v", d["channel.archive"], d["workspace.add_user"])
	}
}

func TestDecisionsOnADeeperEntityType(t *testing.T) {
	// A policy on an entity type that lies below channels: the matrix
	// builds the chain down to it so that the team's preferences apply.
	const file = `entity_types:
  - name: workspace
  - name: channel
    parents: [workspace]
  - name: thread
    parents: [channel]
permissions:
  - name: PIN
    description: Pin a thread.
    applies_to: [thread]
policies:
  - action: thread.pin
    entity_type: thread
    rules:
      - allow_if_legacy: {preference: who_can_pin, default: %s}
      - allow_if_has_permission: PIN
`
	parse := func(level string) *authz.Catalog {
		c, err := rolesfile.Parse("threads.yaml", []byte(strings.Replace(file, "%s", level, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	d := decisions(t, parse("admin"), parse("owner"), rolesdiff.Options{})["thread.pin"]
	if d.Changed != 1 || len(d.Differences) != 1 || caseText(d.Differences[0]) != "admin | (default) | no: allow (allow_if_legacy) -> deny (default_deny)" {
		var got []string
		for _, c := range d.Differences {
			got = append(got, caseText(c))
		}
		t.Fatalf("%d changed: %v", d.Changed, got)
	}
}
