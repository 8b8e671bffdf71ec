package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
)

// maxBatchItems is the most checks one BatchCheck call carries (the
// server's limit, server.MaxBatchItems).
const maxBatchItems = 1000

// WithBatching makes Check coalesce concurrent calls into BatchCheck calls,
// with at most inFlight of them outstanding at once. A call made while
// inFlight batches are outstanding waits for the next batch, which carries
// every call queued by then; with few concurrent callers each batch holds
// one check and nothing waits. Every check stays authoritative: the server
// answers each item of a batch as it would a Check, reading the users'
// current state from the store (in one query per batch). This trades a
// little latency for much less CPU per check on both sides when a backend
// makes many concurrent checks, since the HTTP and RPC costs and the
// store's per-query costs are paid once per batch. Errors are per
// check, as without batching; a failed batch fails (and denies) each of its
// checks. CheckPolicy is not batched.
func WithBatching(inFlight int) Option {
	return func(r *remoteConfig) { r.batch = max(inFlight, 1) }
}

// batcher queues checks and sends them as BatchCheck calls.
type batcher struct {
	rpc   authzv1connect.PermissionServiceClient
	limit int

	mu       sync.Mutex
	pending  []*batchCall
	inFlight int
}

// batchCall is one queued check; done is closed once res or err is set.
type batchCall struct {
	req *authzv1.EligibilityRequest
	// deadline is the caller's; zero when it has none.
	deadline time.Time
	res      *authzv1.CheckResponse
	err      error
	done     chan struct{}
}

func newBatcher(rpc authzv1connect.PermissionServiceClient, limit int) *batcher {
	return &batcher{rpc: rpc, limit: limit}
}

// check queues req and waits for its answer or for ctx to end. The caller
// that finds a free slot sends the batch itself; batches queued meanwhile
// are sent from a goroutine so that it returns as soon as its answer is in.
func (b *batcher) check(ctx context.Context, req *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, connect.NewError(connect.CodeOf(err), err)
	}
	c := &batchCall{req: req, done: make(chan struct{})}
	c.deadline, _ = ctx.Deadline()
	b.mu.Lock()
	b.pending = append(b.pending, c)
	var batch []*batchCall
	if b.inFlight < b.limit {
		batch = b.takeLocked()
	}
	b.mu.Unlock()
	if batch != nil {
		b.send(batch)
		if next := b.next(); next != nil {
			go b.drain(next)
		}
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		return nil, connect.NewError(connect.CodeOf(ctx.Err()), ctx.Err())
	}
}

// takeLocked removes up to maxBatchItems queued calls and counts them as
// one batch in flight; b.mu is held.
func (b *batcher) takeLocked() []*batchCall {
	n := min(len(b.pending), maxBatchItems)
	batch := make([]*batchCall, n)
	copy(batch, b.pending)
	b.pending = append(b.pending[:0], b.pending[n:]...)
	b.inFlight++
	return batch
}

// next ends the batch just sent and returns the next one, or nil when
// nothing is queued.
func (b *batcher) next() []*batchCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight--
	if len(b.pending) == 0 {
		return nil
	}
	return b.takeLocked()
}

// drain sends batches until the queue is empty.
func (b *batcher) drain(batch []*batchCall) {
	for batch != nil {
		b.send(batch)
		batch = b.next()
	}
}

// send makes one BatchCheck call and hands each check its answer. The call
// is not bound to any one caller's context: a caller that gives up does
// not fail the others. It ends at the latest of the callers' deadlines,
// when every caller has one, so that a server that stops answering does
// not hold a batch slot for ever.
func (b *batcher) send(batch []*batchCall) {
	ctx := context.Background()
	if last, ok := latestDeadline(batch); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, last)
		defer cancel()
	}
	req := &authzv1.BatchCheckRequest{Items: make([]*authzv1.BatchCheckItem, len(batch))}
	items := make([]authzv1.BatchCheckItem, len(batch))
	wrappers := make([]authzv1.BatchCheckItem_Eligibility, len(batch))
	for i, c := range batch {
		wrappers[i].Eligibility = c.req
		items[i].Request = &wrappers[i]
		req.Items[i] = &items[i]
	}
	res, err := b.rpc.BatchCheck(ctx, connect.NewRequest(req))
	if err == nil && len(res.Msg.GetResults()) != len(batch) {
		err = fmt.Errorf("batch check: %d results for %d checks", len(res.Msg.GetResults()), len(batch))
	}
	for i, c := range batch {
		switch {
		case err != nil:
			c.err = err
		case res.Msg.GetResults()[i].GetError() != nil:
			c.err = itemError(res.Msg.GetResults()[i].GetError())
		default:
			c.res = res.Msg.GetResults()[i].GetResponse()
			if c.res == nil {
				c.err = errors.New("batch check: empty result")
			}
		}
		close(c.done)
	}
}

// latestDeadline returns the latest deadline of the batch's callers; ok is
// false when one of them has none.
func latestDeadline(batch []*batchCall) (last time.Time, ok bool) {
	for _, c := range batch {
		if c.deadline.IsZero() {
			return time.Time{}, false
		}
		if c.deadline.After(last) {
			last = c.deadline
		}
	}
	return last, true
}

// itemError rebuilds the error the server reported for one check, with its
// code, as Check would have returned it.
func itemError(e *authzv1.BatchCheckError) error {
	var code connect.Code
	if err := code.UnmarshalText([]byte(e.GetCode())); err != nil {
		code = connect.CodeUnknown
	}
	return connect.NewError(code, errors.New(e.GetMessage()))
}
