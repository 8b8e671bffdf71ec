package authz

import (
	"context"
	"errors"
)

// BatchResult is the answer to one request of a batch: a result, or the
// error Check would have returned for it.
type BatchResult struct {
	Result Result
	Err    error
}

// CheckBatch answers many eligibility requests, each as Check would, and
// reads the users they need with one store read when the store is a
// UserBatchLoader (one read per distinct user otherwise). Authoritative
// answers reflect every write acknowledged before CheckBatch began. A
// request that fails does not fail the others.
func (e *Engine) CheckBatch(ctx context.Context, reqs []EligibilityRequest) []BatchResult {
	for attempt := 1; ; attempt++ {
		out := e.checkBatch(ctx, reqs)
		again := false
		for _, r := range out {
			again = again || errors.Is(r.Err, errHistoryChanged)
		}
		if !again || attempt == historyAttempts {
			return out
		}
	}
}

// checkBatch is one attempt at CheckBatch.
func (e *Engine) checkBatch(ctx context.Context, reqs []EligibilityRequest) []BatchResult {
	out := make([]BatchResult, len(reqs))
	users := make([]*UserRecord, len(reqs))
	authoritative := make([]bool, len(reqs))
	p := e.position()
	err := e.repair(ctx, p)
	if p.broken != nil {
		p = e.position()
	}
	// Requests whose user must be read, by user id.
	toLoad := map[string][]int{}
	var ids []string
	for i := range reqs {
		req := &reqs[i]
		if out[i].Err = req.Validate(); out[i].Err != nil {
			continue
		}
		if err != nil {
			out[i].Err = err
			continue
		}
		if users[i] = e.cachedUser(req.UserID, req.Consistency); users[i] != nil {
			continue
		}
		if _, ok := toLoad[req.UserID]; !ok {
			ids = append(ids, req.UserID)
		}
		toLoad[req.UserID] = append(toLoad[req.UserID], i)
	}
	if len(ids) > 0 {
		recs, err := e.readUsers(ctx, ids, p.epoch)
		var newest, oldest Revision
		for k, r := range recs {
			newest = max(newest, r.Revision)
			if k == 0 || r.Revision < oldest {
				oldest = r.Revision
			}
		}
		if err == nil {
			err = e.checkNotBehind(ctx, p, oldest)
		}
		if err == nil {
			err = e.syncReference(ctx, newest)
		}
		for k, id := range ids {
			for _, i := range toLoad[id] {
				switch {
				case err != nil:
					out[i].Err = err
				default:
					out[i].Err = checkRevision(recs[k], reqs[i].Consistency)
					users[i], authoritative[i] = &recs[k], true
				}
			}
		}
	}
	for i := range reqs {
		if out[i].Err == nil {
			out[i].Result, out[i].Err = e.decideEligibility(reqs[i], users[i], authoritative[i], p.epoch, nil)
		}
	}
	return out
}
