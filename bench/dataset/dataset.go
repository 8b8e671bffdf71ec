// Package dataset generates synthetic organisations for benchmarks and load
// tests: one enterprise, workspaces, channels below them (depth 3), users
// with an account in one workspace, and a fixed number of role assignments
// per user on random channels, workspaces or the enterprise.
package dataset

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// Spec sizes a dataset.
type Spec struct {
	Workspaces           int
	ChannelsPerWorkspace int
	Users                int
	AssignmentsPerUser   int
	// ExpiringPercent is the share of assignments (0-100) given an end,
	// between an hour and 30 days after Generate runs: assignments that
	// still grant, but whose ends every check reads. The ids generated do
	// not depend on it.
	ExpiringPercent int
	// Seed makes the dataset reproducible.
	Seed uint64
}

// ForAssignments returns the benchmark shape used in the docs: 10
// workspaces, 10 assignments per user, with as many users as it takes to
// reach total assignments, and 10,000 channels up to a million
// assignments, one per 100 assignments beyond (100,000 channels for 10
// million).
func ForAssignments(total int) Spec {
	channels := max(10_000, total/100)
	return Spec{Workspaces: 10, ChannelsPerWorkspace: channels / 10, Users: max(1, total/10), AssignmentsPerUser: 10, Seed: 1}
}

// Importer is the engine's bulk load.
type Importer interface {
	Import(ctx context.Context, batch authz.Import, actor string) (authz.Revision, error)
}

// Dataset describes what Generate wrote.
type Dataset struct {
	Spec       Spec
	Enterprise string
	Workspaces []string
	Channels   []string
}

// UserID returns the id of user i (0 <= i < Spec.Users).
func UserID(i int) string { return fmt.Sprintf("U%07d", i) }

// Team returns the workspace user i has an account in.
func (d *Dataset) Team(i int) string { return d.Workspaces[i%len(d.Workspaces)] }

// Channel returns a channel of user i's team, chosen by n.
func (d *Dataset) Channel(i, n int) string {
	per := d.Spec.ChannelsPerWorkspace
	w := i % len(d.Workspaces)
	return d.Channels[w*per+n%per]
}

// batchRows bounds the rows of one Import call.
const batchRows = 50_000

// Describe returns the ids a dataset of spec has, without writing it;
// Generate writes the same ids, so a load tool can target a store seeded
// earlier (by another process) from the spec alone.
func Describe(spec Spec) (*Dataset, error) {
	if spec.Workspaces <= 0 || spec.ChannelsPerWorkspace <= 0 || spec.Users <= 0 || spec.AssignmentsPerUser < 0 {
		return nil, fmt.Errorf("dataset: every size must be positive: %+v", spec)
	}
	if spec.ExpiringPercent < 0 || spec.ExpiringPercent > 100 {
		return nil, fmt.Errorf("dataset: expiring percent %d is not within 0-100", spec.ExpiringPercent)
	}
	d := &Dataset{Spec: spec, Enterprise: "E0"}
	for w := 0; w < spec.Workspaces; w++ {
		d.Workspaces = append(d.Workspaces, fmt.Sprintf("T%03d", w))
		for c := 0; c < spec.ChannelsPerWorkspace; c++ {
			d.Channels = append(d.Channels, fmt.Sprintf("C%03d%06d", w, c))
		}
	}
	return d, nil
}

// Generate writes the dataset through imp in batches, calling progress (if
// not nil) with the number of assignments written so far.
func Generate(ctx context.Context, imp Importer, spec Spec, progress func(done, total int)) (*Dataset, error) {
	d, err := Describe(spec)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	batch := authz.Import{Entities: []authz.Entity{{ID: d.Enterprise, Type: authz.TypeEnterprise}}}
	for i, team := range d.Workspaces {
		batch.Entities = append(batch.Entities, authz.Entity{ID: team, Type: authz.TypeWorkspace, ParentID: d.Enterprise})
		for _, ch := range d.Channels[i*spec.ChannelsPerWorkspace : (i+1)*spec.ChannelsPerWorkspace] {
			batch.Entities = append(batch.Entities, authz.Entity{ID: ch, Type: authz.TypeChannel, ParentID: team})
		}
	}
	roles := []string{"CHANNELS_ADMIN", "USERS_ADMIN", "ROLES_ADMIN", "BACKOFFICE_VIEWER", "BACKOFFICE_OPERATOR"}
	now := time.Unix(1_700_000_000, 0)
	// Ends come from their own generator, so that the ids are the same
	// with or without them.
	ends := rand.New(rand.NewPCG(spec.Seed^0x5bd1e995, spec.Seed))
	started := time.Now()
	total, done := spec.Users*spec.AssignmentsPerUser, 0
	flush := func() error {
		if _, err := imp.Import(ctx, batch, "dataset"); err != nil {
			return err
		}
		done += len(batch.Assignments)
		if progress != nil {
			progress(done, total)
		}
		batch = authz.Import{}
		return nil
	}
	for u := 0; u < spec.Users; u++ {
		user := UserID(u)
		batch.AccountTypes = append(batch.AccountTypes, authz.ImportedAccount{TeamID: d.Team(u), UserID: user, Type: authz.AccountMember})
		seen := map[string]bool{}
		for a := 0; a < spec.AssignmentsPerUser; a++ {
			role := roles[rng.IntN(len(roles))]
			var ent string
			switch r := rng.IntN(100); {
			case r < 2:
				ent = d.Enterprise
			case r < 10:
				ent = d.Workspaces[rng.IntN(len(d.Workspaces))]
			default:
				ent = d.Channels[rng.IntN(len(d.Channels))]
			}
			if seen[role+ent] {
				a--
				continue
			}
			seen[role+ent] = true
			asg := authz.Assignment{UserID: user, Role: role, EntityID: ent, GrantedBy: "dataset", GrantedAt: now}
			if ends.IntN(100) < spec.ExpiringPercent {
				asg.ExpiresAt = started.Add(time.Hour + time.Duration(ends.Int64N(int64(30*24*time.Hour)))).Truncate(time.Millisecond).UTC()
			}
			batch.Assignments = append(batch.Assignments, asg)
		}
		if len(batch.Assignments)+len(batch.AccountTypes) >= batchRows {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return d, nil
}

// Requests returns the checks load tools send: up to 10,000 users spread
// over the dataset, each checked for one permission on a channel of its
// team. Their answers mix allows and denies.
func Requests(spec Spec) ([]authz.EligibilityRequest, error) {
	ds, err := Describe(spec)
	if err != nil {
		return nil, err
	}
	perms := []string{"ARCHIVE_CHANNEL", "VIEW_ACCOUNT", "EXTEND_TRIAL", "RENAME_CHANNEL"}
	n := min(10_000, spec.Users)
	reqs := make([]authz.EligibilityRequest, n)
	for i := range reqs {
		u := i * (spec.Users / n)
		reqs[i] = authz.EligibilityRequest{TeamID: ds.Team(u), UserID: UserID(u), EntityID: ds.Channel(u, i), Permissions: []string{perms[i%len(perms)]}}
	}
	return reqs, nil
}
