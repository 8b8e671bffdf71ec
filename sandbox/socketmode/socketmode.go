// Package socketmode speaks Slack's Socket Mode in front of a sandbox, so
// that a bot configured with an app-level token (xapp-…) receives the
// sandbox's events over a WebSocket instead of HTTP, as it would from
// Slack.
//
// apps.connections.open, called with the app token, hands out the socket's
// ws:// address. The socket says hello, pings, and carries every event the
// sandbox delivers as an events_api envelope, and every frame given to Send
// as it is; it records the envelope ids the bot acknowledges. Every other
// Web API method is the sandbox's:
//
//	sm, err := socketmode.Start(sb, "xapp-1-A1-test")
//	// run the bot with the app token and the API URL sm.APIURL()
//	acked, err := sm.WaitAcked(ctx, 1)
package socketmode

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bastionhq/bastion/sandbox"
)

// pingEvery is how often the socket pings; slack-go's client reconnects
// when it hears nothing for a while.
const pingEvery = 500 * time.Millisecond

// Server is the Socket Mode front of one sandbox.
type Server struct {
	appToken string
	srv      *http.Server
	url      string
	payloads chan []byte
	frames   chan map[string]any

	mu      sync.Mutex
	sent    []string
	acked   []string
	changed chan struct{} // closed and replaced on every acknowledgement
}

// Start serves Socket Mode for sb on a loopback port, with appToken as the
// only app token apps.connections.open accepts, and points sb's event
// deliveries at it. Close stops it.
func Start(sb *sandbox.Server, appToken string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("socket mode: listen: %w", err)
	}
	s := &Server{appToken: appToken, url: "http://" + ln.Addr().String(),
		payloads: make(chan []byte, 100), frames: make(chan map[string]any, 10), changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/apps.connections.open", s.open)
	mux.HandleFunc("/link", s.link)
	mux.HandleFunc("POST /capture", s.capture)
	mux.Handle("/api/", sb.Handler())
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	sb.SetEventsURL(s.url + "/capture")
	return s, nil
}

// APIURL is the Web API base (with a trailing slash) a bot should use.
func (s *Server) APIURL() string { return s.url + "/api/" }

// Close stops serving and drops the sockets.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Send queues a frame (for example an "interactive" envelope) for the
// socket, as it is; it must carry an "envelope_id".
func (s *Server) Send(frame map[string]any) { s.frames <- frame }

// WaitAcked waits until at least n envelopes were sent and every one sent
// so far is acknowledged, and returns the acknowledged ids. It fails with
// what was sent and acknowledged when ctx ends first.
func (s *Server) WaitAcked(ctx context.Context, n int) ([]string, error) {
	for {
		s.mu.Lock()
		sent, acked, ch := slices.Clone(s.sent), slices.Clone(s.acked), s.changed
		s.mu.Unlock()
		done := len(sent) >= n
		for _, id := range sent {
			done = done && slices.Contains(acked, id)
		}
		if done {
			return acked, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return acked, fmt.Errorf("socket mode: sent %v, acknowledged %v: %w", sent, acked, ctx.Err())
		}
	}
}

func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+s.appToken {
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.url, "http") + "/link"})
}

// capture takes an event the sandbox delivers and queues it for the socket.
func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.payloads <- body
	w.WriteHeader(http.StatusOK)
}

// link is the socket: hello, then pings and envelopes until it closes;
// acknowledgements are read alongside.
func (s *Server) link(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	closed := make(chan struct{})
	go s.readAcks(conn, closed)
	if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "sandbox"}}); err != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for n := 1; ; {
		var frame map[string]any
		select {
		case <-closed:
			return
		case <-r.Context().Done():
			return
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(5*time.Second)) != nil {
				return
			}
			continue
		case frame = <-s.frames:
		case payload := <-s.payloads:
			frame = map[string]any{"type": "events_api", "envelope_id": fmt.Sprintf("env-%d", n), "payload": json.RawMessage(payload),
				"accepts_response_payload": false, "retry_attempt": 0, "retry_reason": ""}
			n++
		}
		id, _ := frame["envelope_id"].(string)
		s.mu.Lock()
		s.sent = append(s.sent, id)
		s.mu.Unlock()
		if err := conn.WriteJSON(frame); err != nil {
			return
		}
	}
}

// readAcks records each acknowledged envelope id until the socket fails,
// then closes closed.
func (s *Server) readAcks(conn *websocket.Conn, closed chan<- struct{}) {
	defer close(closed)
	for {
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return // closed or dropped: the socket ends either way
		}
		s.mu.Lock()
		s.acked = append(s.acked, ack.EnvelopeID)
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
}
