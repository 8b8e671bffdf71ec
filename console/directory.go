package console

import (
	"context"
	"fmt"
	"sort"

	"github.com/bastionhq/bastion/authz"
)

// account is one user's account type in one team.
type account struct {
	TeamID string
	UserID string
	Type   string
}

// auditPage bounds each read of the change log.
const auditPage = 5000

// accounts rebuilds the current account types from the change log (the
// engine keeps no list of users): the last account_type.set of each
// (team, user) wins. Accounts written by a bulk import are not listed.
func (c *Console) accounts(ctx context.Context) ([]account, error) {
	latest := map[[2]string]string{}
	var after authz.Revision
	for {
		changes, err := c.engine.Audit(ctx, authz.ChangeFilter{Kind: authz.ChangeAccountType, After: after, Limit: auditPage})
		if err != nil {
			return nil, fmt.Errorf("list account types: %w", err)
		}
		for _, ch := range changes {
			latest[[2]string{ch.TeamID, ch.UserID}] = ch.After
			after = max(after, ch.Revision)
		}
		if len(changes) < auditPage {
			break
		}
	}
	out := make([]account, 0, len(latest))
	for k, t := range latest {
		out = append(out, account{TeamID: k[0], UserID: k[1], Type: t})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TeamID != out[j].TeamID {
			return out[i].TeamID < out[j].TeamID
		}
		return out[i].UserID < out[j].UserID
	})
	return out, nil
}
