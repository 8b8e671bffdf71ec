package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/console"
)

// eventStream reads server-sent events from the console.
type eventStream struct {
	events chan event
	cancel context.CancelFunc
}

// event is one server-sent event: its name and data, or ":" for a
// comment (the keep-alive).
type event struct{ name, data string }

func (c *client) openEvents(t *testing.T) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/console/events", nil)
	// The client's timeout would cut the stream; use one without.
	hc := &http.Client{Jar: c.http.Jar}
	res, err := hc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &eventStream{events: make(chan event, 16), cancel: cancel}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			if name, ok := strings.CutPrefix(line, "event: "); ok {
				ev.name = name
			} else if data, ok := strings.CutPrefix(line, "data: "); ok {
				ev.data = data
			} else if strings.HasPrefix(line, ":") {
				s.events <- event{name: ":"} // a comment: the keep-alive
			} else if line == "" && ev.name != "" {
				s.events <- ev
				ev = event{}
			}
		}
	}()
	t.Cleanup(cancel)
	return s
}

func (s *eventStream) next(t *testing.T, want string) {
	t.Helper()
	s.nextData(t, want)
}

// nextNamed skips keep-alives and returns the data of the next event,
// which must be called want.
func (s *eventStream) nextNamed(t *testing.T, want string) string {
	t.Helper()
	for {
		select {
		case got, ok := <-s.events:
			if ok && got.name == ":" {
				continue
			}
			if !ok || got.name != want {
				t.Fatalf("event %q %s (open %v), want %q", got.name, got.data, ok, want)
			}
			return got.data
		case <-time.After(20 * time.Second):
			t.Fatalf("no %q event", want)
		}
	}
}

// nextData reads the next event, which must be called want, and returns
// its data.
func (s *eventStream) nextData(t *testing.T, want string) string {
	t.Helper()
	select {
	case got, ok := <-s.events:
		if !ok || got.name != want {
			t.Fatalf("event %q %s (open %v), want %q", got.name, got.data, ok, want)
		}
		return got.data
	case <-time.After(20 * time.Second):
		t.Fatalf("no %q event", want)
	}
	return ""
}

type permsJSON struct {
	UserID   string `json:"user_id"`
	Version  string `json:"version"`
	Entities []struct {
		EntityID    string   `json:"entity_id"`
		Permissions []string `json:"permissions"`
	} `json:"entities"`
	Parents map[string]string `json:"parents"`
}

func (c *client) permissions(t *testing.T) permsJSON {
	t.Helper()
	status, body := c.get("/console/api/permissions")
	if status != http.StatusOK {
		t.Fatalf("permissions: %d %s", status, body)
	}
	var p permsJSON
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p permsJSON) has(entity, perm string) bool {
	for _, e := range p.Entities {
		if e.EntityID == entity {
			for _, q := range e.Permissions {
				if q == perm {
					return true
				}
			}
		}
	}
	return false
}

func TestEventStreamFollowsTheUsersPermissions(t *testing.T) {
	e := newEnv(t, nil)
	member := e.signIn("T1", "UMEMBER")
	admin := e.signIn("T1", "UROLES")
	stream := member.openEvents(t)
	stream.next(t, "ready")
	if p := member.permissions(t); p.has("T1", "ASSIGN_ROLES") || len(p.Parents) != 0 {
		t.Fatalf("before: %+v", p)
	}

	admin.post("/console/assignments/assign", assignForm("UMEMBER", "ROLES_ADMIN", "T1"))
	stream.next(t, "permissions")
	if p := member.permissions(t); !p.has("T1", "ASSIGN_ROLES") || p.Parents["C1"] != "T1" || p.Parents["T1"] != "E1" {
		t.Fatalf("after assign: %+v", p)
	}

	admin.post("/console/assignments/revoke", assignForm("UMEMBER", "ROLES_ADMIN", "T1"))
	stream.next(t, "permissions")
	if p := member.permissions(t); p.has("T1", "ASSIGN_ROLES") {
		t.Fatalf("after revoke: %+v", p)
	}
}

func TestEventStreamKeepsAlive(t *testing.T) {
	e := newEnv(t, func(o *console.Options, _ string) { o.Heartbeat = 20 * time.Millisecond })
	stream := e.signIn("T1", "UMEMBER").openEvents(t)
	stream.next(t, "ready")
	stream.next(t, ":")
	stream.next(t, ":")
}

// Close ends the open live streams at once (a server shutting down does
// not wait for open tabs) and refuses new ones; pages keep answering.
func TestCloseEndsLiveStreams(t *testing.T) {
	e := newEnv(t, nil)
	member := e.signIn("T1", "UMEMBER")
	stream := member.openEvents(t)
	stream.next(t, "ready")
	e.console.Close()
	for ended := false; !ended; {
		select {
		case ev, open := <-stream.events:
			if open && ev.name != ":" {
				t.Fatalf("after Close the stream sent %q instead of ending", ev.name)
			}
			ended = !open
		case <-time.After(20 * time.Second):
			t.Fatal("the stream is still open after Close")
		}
	}
	if status, _ := member.get("/console/events"); status != http.StatusServiceUnavailable {
		t.Errorf("a new stream after Close: %d, want 503", status)
	}
	if status, _ := member.get("/console/"); status != http.StatusOK {
		t.Errorf("home after Close: %d", status)
	}
	e.console.Close() // twice is fine
}
