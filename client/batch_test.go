package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
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
// caller in the batch has passed its deadline: the batch call is ended, and
// the next check goes out. Requests about UHUNG hang; others reach a real
// server. With one batch in flight, the second check is sent only if the
// first batch call was ended. Whether the hung request reached the server
// before its caller's deadline (on a loaded machine it may not) does not
// change what is asserted.
func TestBatchingEndsCallsAtTheCallersDeadline(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	target, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	started := make(chan struct{}, 1)
	ended := make(chan struct{}, 1)
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body) // the server notices a closed connection once the body is read
		if err != nil {
			return
		}
		if !bytes.Contains(body, []byte("UHUNG")) {
			r.Body = io.NopCloser(bytes.NewReader(body))
			proxy.ServeHTTP(w, r)
			return
		}
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			ended <- struct{}{}
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release) // before Close, which waits for the handler
	batched := client.NewRemote(hung.URL, servertest.APIKey, client.WithBatching(1), client.WithHTTP1(2))
	// Both checks run in a goroutine so that a batch call that is never
	// ended fails the test after a generous bound instead of hanging it.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if res, err := batched.Check(ctx, perm("UHUNG", "C2", "SET_PLAN")); err == nil || res.Allowed() {
			done <- fmt.Errorf("hung server: %+v, %v; want deny and the error", res, err)
			return
		}
		// Were the first batch still holding the only slot, this check
		// would not be sent.
		res, err := batched.Check(context.Background(), perm("UOPS", "C2", "SET_PLAN"))
		if err != nil || !res.Allowed() {
			done <- fmt.Errorf("check after the hung batch: %+v, %v; want it sent and allowed", res, err)
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the batch call to the hung server was never ended: the next check was not sent")
	}
	select {
	case <-started:
		<-ended // the hung request reached the server: its call was ended
	default: // the first call ended before its request reached the server
	}
}
