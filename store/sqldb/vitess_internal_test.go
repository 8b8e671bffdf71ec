package sqldb

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// planner answers as vtgate would for a layout: each table's keyspace and
// whether it is sharded; a table it does not place fails to plan.
func planner(place map[string]VitessPlan) VitessPlanner {
	return func(_ context.Context, q string) (VitessPlan, error) {
		table := q[strings.LastIndex(q, " ")+1:]
		p, ok := place[table]
		if !ok {
			return VitessPlan{}, errors.New("table " + table + " not found")
		}
		return p, nil
	}
}

func route(keyspace string, sharded bool, variant string) VitessPlan {
	p := VitessPlan{OperatorType: "Route", Variant: variant}
	p.Keyspace.Name, p.Keyspace.Sharded = keyspace, sharded
	return p
}

// A store's tables and the migration records must all go to one unsharded
// keyspace; a table routed to the sharded keyspace, to another unsharded
// one, or not at all is refused, naming the table and the file to apply.
func TestVitessUnshardedRefusesAWrongRouting(t *testing.T) {
	ctx := context.Background()
	tables := []string{"bot_claims", "schema_migrations"}
	good := map[string]VitessPlan{"bot_claims": route("bastion_ref", false, "Unsharded"), "schema_migrations": route("bastion_ref", false, "Unsharded")}
	if ks, err := VitessUnsharded(ctx, planner(good), tables); err != nil || ks != "bastion_ref" {
		t.Fatalf("the deploy/vitess layout: %q, %v", ks, err)
	}
	for name, c := range map[string]struct {
		place map[string]VitessPlan
		want  []string
	}{
		"no routing rule (the sharded keyspace)": {map[string]VitessPlan{"bot_claims": route("bastion", true, "Scatter"), "schema_migrations": good["schema_migrations"]},
			[]string{"bot_claims must be in an unsharded keyspace", `keyspace "bastion"`, "routing_rules.json"}},
		"another unsharded keyspace": {map[string]VitessPlan{"bot_claims": good["bot_claims"], "schema_migrations": route("other", false, "Unsharded")},
			[]string{`bot_claims is in keyspace "bastion_ref" and schema_migrations in "other"`}},
		"not placed at all": {map[string]VitessPlan{"schema_migrations": good["schema_migrations"]},
			[]string{"plan a read of bot_claims", "routing_rules.json"}},
		"not a route": {map[string]VitessPlan{"bot_claims": {OperatorType: "Join"}, "schema_migrations": good["schema_migrations"]},
			[]string{"bot_claims must be in an unsharded keyspace", "Join"}},
	} {
		_, err := VitessUnsharded(ctx, planner(c.place), tables)
		if !errors.Is(err, ErrVitessLayout) {
			t.Errorf("%s: %v; want ErrVitessLayout", name, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v; want it to say %q", name, err, w)
			}
		}
	}
}

// The session must name a keyspace and read primaries.
func TestVitessTarget(t *testing.T) {
	for target, want := range map[string]string{
		"bastion": "", "bastion@primary": "", "bastion:-80@primary": "", "bastion/0": "",
		"@primary": "names no keyspace", "": "names no keyspace", "bastion@replica": "must read primaries", "bastion@rdonly": "must read primaries",
	} {
		ks, err := vitessTarget(target)
		switch {
		case want == "" && (err != nil || ks != "bastion"):
			t.Errorf("%q: %q, %v; want keyspace bastion", target, ks, err)
		case want != "" && (!errors.Is(err, ErrVitessLayout) || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v; want an error saying %q", target, err, want)
		}
	}
}

// Elsewhere than on Vitess the check does nothing (and asks nothing).
func TestCheckVitessUnshardedIsForVitessOnly(t *testing.T) {
	if err := CheckVitessUnsharded(context.Background(), &DB{Dialect: MySQL}, "bot store", []string{"bot_claims"}); err != nil {
		t.Fatal(err)
	}
}
