package slackbot_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/slackbot"
	"github.com/bastionhq/bastion/store/storetest"
)

// renames records the renames a worker hands on.
type renames struct {
	mu   sync.Mutex
	got  []slackbot.RenameEvent
	more chan struct{}
}

func (r *renames) HandleRename(_ context.Context, ev slackbot.RenameEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, ev)
	r.more <- struct{}{}
	return nil
}

func (r *renames) list() []slackbot.RenameEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestRenamesReachTheirHook(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	token, err := p.sb.InstallApp("T1", "chat:write")
	must(t, err)
	hook := &renames{more: make(chan struct{}, 16)}
	w, err := slackbot.NewWorker(slackbot.WorkerOptions{Queue: p.queue, Router: p.router, Claims: p.store, Audit: p.store,
		Chat: slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: p.sb.APIURL()}), Renames: hook,
		BotUserID: p.sb.BotUserID(), Name: "w1", Now: p.clock.Now})
	must(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })

	must(t, p.sb.RenameUser("T1", "U1", "ann", "Ann Lee"))
	must(t, p.sb.RenameChannel("T1", "C1", "lobby"))
	must(t, p.sb.RenameChannel("T1", "CBACK", "back-office"))
	must(t, p.sb.RenameTeam("T1", "Acme"))
	want := []slackbot.RenameEvent{
		{TeamID: "T1", Kind: "user", ID: "U1", Name: "ann", RealName: "Ann Lee", DisplayName: "ann"},
		{TeamID: "T1", Kind: "channel", ID: "C1", Name: "lobby"},
		{TeamID: "T1", Kind: "channel", ID: "CBACK", Name: "back-office"},
		{TeamID: "T1", Kind: "team", ID: "T1", Name: "Acme"},
	}
	deadline := time.After(20 * time.Second)
	for len(hook.list()) < len(want) {
		select {
		case <-hook.more:
		case <-deadline:
			t.Fatalf("renames handed on: %+v", hook.list())
		}
	}
	got := hook.list()
	slices.SortFunc(got, func(a, b slackbot.RenameEvent) int { return cmpRename(a, b, want) })
	if !slices.Equal(got, want) {
		t.Fatalf("renames handed on:\n got %+v\nwant %+v", got, want)
	}
}

// cmpRename orders renames as want lists them.
func cmpRename(a, b slackbot.RenameEvent, want []slackbot.RenameEvent) int {
	return slices.IndexFunc(want, func(w slackbot.RenameEvent) bool { return w.ID == a.ID }) -
		slices.IndexFunc(want, func(w slackbot.RenameEvent) bool { return w.ID == b.ID })
}
