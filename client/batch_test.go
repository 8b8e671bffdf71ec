package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/client"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

// Concurrent batched checks each get their own answer, the same as an
// unbatched client's, including per-check errors with their codes.
func TestBatchingAnswersEachCheckAsCheckWould(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	plain := client.NewRemote(env.URL, servertest.APIKey)
	batched := client.NewRemote(env.URL, servertest.APIKey, client.WithBatching(1), client.WithHTTP1(8))
	ctx := context.Background()
	reqs := []authz.EligibilityRequest{
		perm("UOPS", "C2", "SET_PLAN"),
		perm("UOPS", "C3", "SET_PLAN"),
		perm("UCHANADMIN", "C1", "ARCHIVE_CHANNEL"),
		perm("UMCGUEST", "C1", "ARCHIVE_CHANNEL"),
		perm("UOPS", "NOSUCHENTITY", "SET_PLAN"),
		{TeamID: "T1", UserID: "UOPS", EntityID: "C2"}, // no permissions: invalid
	}
	var wg sync.WaitGroup
	for round := 0; round < 20; round++ {
		for _, req := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				want, wantErr := plain.Check(ctx, req)
				got, err := batched.Check(ctx, req)
				if connect.CodeOf(err) != connect.CodeOf(wantErr) || (err == nil) != (wantErr == nil) {
					t.Errorf("%+v: error %v, want %v", req, err, wantErr)
					return
				}
				if got.Allowed() != want.Allowed() || len(got.Decisions) != len(want.Decisions) || got.Authoritative != want.Authoritative {
					t.Errorf("%+v: %+v, want %+v", req, got, want)
				}
				if err == nil && got.Decisions[0].Reason.Message != want.Decisions[0].Reason.Message {
					t.Errorf("%+v: reason %q, want %q", req, got.Decisions[0].Reason.Message, want.Decisions[0].Reason.Message)
				}
			}()
		}
	}
	wg.Wait()
}

// A batch the server refuses (a wrong key) or cannot be sent fails, and
// denies, every check it carried.
func TestBatchingFailsClosed(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	ctx := context.Background()
	wrongKey := client.NewRemote(env.URL, "not-a-key", client.WithBatching(2))
	res, err := wrongKey.Check(ctx, perm("UOPS", "C2", "SET_PLAN"))
	if connect.CodeOf(err) != connect.CodeUnauthenticated || res.Allowed() || len(res.Decisions) != 1 || res.Decisions[0].Reason.Kind != authz.ReasonError {
		t.Errorf("wrong key: %+v, %v; want an unauthenticated deny", res, err)
	}
	gone := client.NewRemote("http://127.0.0.1:1", servertest.APIKey, client.WithBatching(2))
	if res, err := gone.Check(ctx, perm("UOPS", "C2", "SET_PLAN")); err == nil || res.Allowed() {
		t.Errorf("unreachable server: %+v, %v; want deny and the error", res, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	batched := client.NewRemote(env.URL, servertest.APIKey, client.WithBatching(2))
	if res, err := batched.Check(canceled, perm("UOPS", "C2", "SET_PLAN")); err == nil || res.Allowed() {
		t.Errorf("canceled caller: %+v, %v; want deny and the error", res, err)
	}
}

// A server that stops answering does not keep a batch slot once every
// caller in the batch has passed its deadline: the batch call is ended.
func TestBatchingEndsCallsAtTheCallersDeadline(t *testing.T) {
	ended := make(chan struct{}, 1)
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection once the body is read
		select {
		case <-r.Context().Done():
			ended <- struct{}{}
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release) // before Close, which waits for the handler
	batched := client.NewRemote(hung.URL, servertest.APIKey, client.WithBatching(1), client.WithHTTP1(2))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if res, err := batched.Check(ctx, perm("UOPS", "C2", "SET_PLAN")); err == nil || res.Allowed() {
		t.Fatalf("hung server: %+v, %v; want deny and the error", res, err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the batch call to the hung server was never ended")
	}
}
