//go:build vitess

package vitess_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/client"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

const apiKey = "vitess-test-key"

// hangGuard bounds each step that waits on a server, so that a hang fails
// the test instead of stalling CI.
const hangGuard = 2 * time.Minute

// buildBastion builds the bastion command into the test's directory.
func buildBastion(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bastion")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/bastionhq/bastion/cmd/bastion").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/bastion: %v\n%s", err, out)
	}
	return bin
}

// bastion runs one bastion command to its end and returns its exit code
// and output.
func bastion(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	case err != nil:
		t.Fatalf("bastion %v: %v\n%s", args, err, out)
	}
	return 0, string(out)
}

// serve starts `bastion serve` on a free loopback port and returns its
// base URL once it listens; the process ends with the test.
func serve(t *testing.T, bin, db string) string {
	t.Helper()
	cmd := exec.Command(bin, "--db", db, "serve", "--addr", "127.0.0.1:0", "--api-key", apiKey)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(hangGuard):
			cmd.Process.Kill()
			<-exited
		}
	})
	addr := make(chan string, 1)
	var lines []string
	go func() {
		defer close(exited)
		defer cmd.Wait()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "bastion serve listening" {
				addr <- line.Addr
			}
			if len(lines) < 50 {
				lines = append(lines, sc.Text())
			}
		}
		close(addr)
		io.Copy(io.Discard, stderr)
		if t.Failed() {
			t.Logf("bastion serve output:\n%s", lines)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			// The reader closed addr after its last line: lines is complete.
			t.Fatalf("bastion serve ended before listening; its output:\n%s", strings.Join(lines, "\n"))
		}
		return "http://" + a
	case <-time.After(hangGuard):
		t.Fatal("bastion serve did not listen")
	}
	return ""
}

func connectTo(url string) authzv1connect.PermissionServiceClient {
	return authzv1connect.NewPermissionServiceClient(http.DefaultClient, url, connect.WithInterceptors(client.APIKey(apiKey)))
}

func allowed(t *testing.T, c authzv1connect.PermissionServiceClient, user, entity, perm string, atLeast int64) (bool, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	res, err := c.Check(ctx, connect.NewRequest(&authzv1.EligibilityRequest{TeamId: teamOf(t, user), UserId: user, EntityId: entity, Permissions: []string{perm},
		Consistency: &authzv1.Consistency{AtLeastRevision: atLeast}}))
	if err != nil {
		t.Fatalf("check %s %s %s: %v", user, entity, perm, err)
	}
	return res.Msg.GetDecisions()[0].GetAllowed(), res.Msg.GetRevision()
}

func holds(p *authzv1.UserPermissions, entity, perm string) bool {
	for _, e := range p.GetEntities() {
		if e.GetEntityId() == entity && slices.Contains(e.GetPermissions(), perm) {
			return true
		}
	}
	return false
}

// awaitWatch reads events until one shows want for perm on entity at
// revision rev or later.
func awaitWatch(t *testing.T, s *connect.ServerStreamForClient[authzv1.WatchPermissionsResponse], entity, perm string, want bool, rev int64) {
	t.Helper()
	for s.Receive() {
		p := s.Msg().GetPermissions()
		if p.GetRevision() >= rev && holds(p, entity, perm) == want {
			return
		}
	}
	t.Fatalf("watch stream ended (%v) before showing %s on %s %t at revision %d", s.Err(), perm, entity, want, rev)
}

// Bastion on Vitess end to end, in separate processes: one loads the demo
// organisation, two `bastion serve` replicas share the deployment. An
// assignment written through replica A is allowed by an authoritative
// check on B and by the CLI, reaches a watcher of B through B's change-log
// follower, and its revoke likewise; a batch check on B across users of
// both shards reads each shard once and agrees with single checks on A;
// writers on both replicas at once get revisions that are consecutive and
// each logged once.
func TestTwoReplicasServeOneDeployment(t *testing.T) {
	db := storetest.Vitess(t)
	url := storetest.VitessURL(t)
	bin := buildBastion(t)
	if code, out := bastion(t, bin, "--db", url, "demo-data"); code != 0 {
		t.Fatalf("bastion demo-data: exit %d\n%s", code, out)
	}
	a, b := connectTo(serve(t, bin, url)), connectTo(serve(t, bin, url))
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	actor := &authzv1.Actor{TeamId: demo.TeamMain, UserId: "UROLES"}
	const user, role, entity, perm = "UMEMBER", "BACKOFFICE_VIEWER", demo.ChannelBackoffice, "VIEW_ACCOUNT"

	w, err := b.WatchPermissions(ctx, connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: demo.TeamMain, UserId: user}))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	awaitWatch(t, w, entity, perm, false, 0)
	if ok, _ := allowed(t, b, user, entity, perm, 0); ok {
		t.Fatalf("%s may %s on %s before any assignment", user, perm, entity)
	}

	assigned, err := a.AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{Actor: actor, UserId: user, Role: role, EntityId: entity}))
	if err != nil {
		t.Fatal(err)
	}
	r1 := assigned.Msg.GetRevision()
	if ok, rev := allowed(t, b, user, entity, perm, r1); !ok || rev < r1 {
		t.Errorf("replica B after the assignment through A (revision %d): allowed %t at revision %d", r1, ok, rev)
	}
	if code, out := bastion(t, bin, "--db", url, "check", "--team", demo.TeamMain, "--user", user, "--entity", entity, "--permission", perm); code != 0 {
		t.Errorf("bastion check after the assignment: exit %d, want 0 (allow)\n%s", code, out)
	}
	awaitWatch(t, w, entity, perm, true, r1)

	revoked, err := a.RevokeRole(ctx, connect.NewRequest(&authzv1.RevokeRoleRequest{Actor: actor, UserId: user, Role: role, EntityId: entity}))
	if err != nil {
		t.Fatal(err)
	}
	r2 := revoked.Msg.GetRevision()
	if r2 <= r1 {
		t.Errorf("revoke has revision %d, not after the assignment's %d", r2, r1)
	}
	if ok, rev := allowed(t, b, user, entity, perm, 0); ok || rev < r2 {
		t.Errorf("replica B after the revoke through A (revision %d): allowed %t at revision %d", r2, ok, rev)
	}
	if code, out := bastion(t, bin, "--db", url, "check", "--team", demo.TeamMain, "--user", user, "--entity", entity, "--permission", perm); code != 1 {
		t.Errorf("bastion check after the revoke: exit %d, want 1 (deny)\n%s", code, out)
	}
	awaitWatch(t, w, entity, perm, false, r2)

	t.Run("batch across both shards", func(t *testing.T) { batchAcrossShards(t, db, a, b) })
	t.Run("writers on both replicas", func(t *testing.T) { concurrentWriters(t, a, b, actor) })
}

// batchAcrossShards checks every demo user on B in one BatchCheck: the
// users live on both shards, each shard is read once, and the answers are
// A's single checks.
func batchAcrossShards(t *testing.T, db *sqldb.DB, a, b authzv1connect.PermissionServiceClient) {
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	byShard := usersByShard(t, db)
	for _, s := range shards(t, db) {
		if len(byShard[s]) == 0 {
			t.Fatalf("no demo user lives on %s: the batch would not span both shards", s)
		}
	}
	var items []*authzv1.BatchCheckItem
	var users []string
	for _, u := range demo.Users() {
		for _, perm := range []string{"VIEW_ACCOUNT", "SET_PLAN"} {
			users = append(users, u.ID)
			items = append(items, &authzv1.BatchCheckItem{Request: &authzv1.BatchCheckItem_Eligibility{Eligibility: &authzv1.EligibilityRequest{
				TeamId: u.Team, UserId: u.ID, EntityId: channelOf(u.Team), Permissions: []string{perm}}}})
		}
	}
	var res *connect.Response[authzv1.BatchCheckResponse]
	batch := func() {
		var err error
		if res, err = b.BatchCheck(ctx, connect.NewRequest(&authzv1.BatchCheckRequest{Items: items})); err != nil {
			t.Fatal(err)
		}
	}
	batch() // B reads the users in full and keeps them
	want := map[string]int64{}
	for _, s := range shards(t, db) {
		want[s] = 1
	}
	// B prepares a statement on each of its pooled connections the first
	// time it runs there, and vtgate answers a prepare by asking one shard
	// for the columns: a batch on a connection new to it shows one more
	// call to one shard. So: every batch reads both shards and no shard
	// more than twice, and one of a few batches reads each shard once.
	exact := false
	var seen []string
	for range 5 {
		calls := callsDuring(t, batch)
		sharded := map[string]int64{}
		for k, n := range calls {
			if k != refShard {
				sharded[k] = n
			}
		}
		seen = append(seen, describe(sharded))
		for s := range want {
			if sharded[s] < 1 || sharded[s] > 2 {
				t.Fatalf("a batch of %d checks of %d users on both shards: vtgate called %s; want each shard once (twice where a statement is prepared)",
					len(items), len(demo.Users()), describe(sharded))
			}
		}
		if len(sharded) != len(want) {
			t.Fatalf("a batch called %s, outside the bastion keyspace's shards %v", describe(sharded), want)
		}
		if describe(sharded) == describe(want) {
			exact = true
			break
		}
	}
	if !exact {
		t.Errorf("no batch read each shard exactly once: %v", seen)
	}
	allowedSome := false
	for i, r := range res.Msg.GetResults() {
		if r.GetError() != nil {
			t.Fatalf("batch item %d (%s): %v", i, users[i], r.GetError())
		}
		eli := items[i].GetEligibility()
		one, err := a.Check(ctx, connect.NewRequest(eli))
		if err != nil {
			t.Fatal(err)
		}
		got, want := r.GetResponse().GetDecisions()[0].GetAllowed(), one.Msg.GetDecisions()[0].GetAllowed()
		allowedSome = allowedSome || got
		if got != want {
			t.Errorf("%s %s on %s: batch on B says %t, a check on A %t", eli.GetUserId(), eli.GetPermissions()[0], eli.GetEntityId(), got, want)
		}
	}
	if !allowedSome {
		t.Error("the batch allowed nothing: it tests only denials")
	}
}

// concurrentWriters assigns roles through both replicas at once and
// checks that the revisions they return are consecutive, each logged once
// with its own change.
func concurrentWriters(t *testing.T, a, b authzv1connect.PermissionServiceClient, actor *authzv1.Actor) {
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	start, err := a.ListAuditLog(ctx, connect.NewRequest(&authzv1.ListAuditLogRequest{Limit: 10000}))
	if err != nil {
		t.Fatal(err)
	}
	base := start.Msg.GetChanges()[len(start.Msg.GetChanges())-1].GetRevision()
	const perReplica, writers = 12, 3
	var mu sync.Mutex
	revs := map[int64]string{}
	var wg sync.WaitGroup
	for ri, c := range []authzv1connect.PermissionServiceClient{a, b} {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perReplica / writers {
					user := fmt.Sprintf("UCONC%d%d%d", ri, w, i)
					res, err := c.AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{Actor: actor, UserId: user, Role: "BACKOFFICE_VIEWER", EntityId: demo.ChannelBackoffice}))
					if err != nil {
						t.Errorf("assign to %s: %v", user, err)
						return
					}
					mu.Lock()
					if other, dup := revs[res.Msg.GetRevision()]; dup {
						t.Errorf("revision %d given to the writes of %s and %s", res.Msg.GetRevision(), other, user)
					}
					revs[res.Msg.GetRevision()] = user
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	log, err := b.ListAuditLog(ctx, connect.NewRequest(&authzv1.ListAuditLogRequest{AfterRevision: base, Limit: 10000}))
	if err != nil {
		t.Fatal(err)
	}
	changes := log.Msg.GetChanges()
	if len(changes) != len(revs) || len(revs) != 2*perReplica {
		t.Fatalf("%d writes got %d revisions and %d log entries after revision %d", 2*perReplica, len(revs), len(changes), base)
	}
	for i, c := range changes {
		if c.GetRevision() != base+1+int64(i) {
			t.Errorf("log entry %d has revision %d, want %d: revisions are not consecutive", i, c.GetRevision(), base+1+int64(i))
		}
		if user := revs[c.GetRevision()]; user != c.GetUserId() {
			t.Errorf("revision %d was returned to the write for %s but logs %s", c.GetRevision(), user, c.GetUserId())
		}
	}
}
