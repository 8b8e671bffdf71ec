// Command handler is a team's HTTP command service as the tests of package
// httpcommand run it: a separate process on loopback that verifies
// Bastion's signature the way the README shows, keeps runs idempotent by
// request id, and misbehaves on purpose on some paths. It prints its
// address on the first line of standard output; GET /received lists the
// requests it got.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// received is one request as the handler saw it.
type received struct {
	Path      string         `json:"path"`
	Accepted  bool           `json:"accepted"`
	Reason    string         `json:"reason,omitempty"`
	Phase     string         `json:"phase"`
	RequestID string         `json:"request_id"`
	Command   string         `json:"command"`
	Text      string         `json:"text"`
	Args      map[string]any `json:"args"`
	TeamID    string         `json:"team_id"`
	ChannelID string         `json:"channel_id"`
	UserID    string         `json:"user_id"`
	Approvers []string       `json:"approvers"`
}

type service struct {
	secret []byte
	port   string
	mu     sync.Mutex
	log    []received
	done   map[string]map[string]any // run answers by request id
	flaky  map[string]bool           // request ids whose dry run failed once
}

func main() {
	s := &service{secret: []byte(os.Getenv("HANDLER_SECRET")), done: map[string]map[string]any{}, flaky: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, s.port, _ = net.SplitHostPort(ln.Addr().String())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /received", s.list)
	mux.HandleFunc("POST /", s.serve)
	fmt.Printf("http://%s\n", ln.Addr())
	http.Serve(ln, mux)
}

// verify is the check the README's Go example shows.
func verify(secret []byte, r *http.Request, body []byte) bool {
	ts := r.Header.Get("X-Bastion-Request-Timestamp")
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sent, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	return hmac.Equal([]byte("v0="+hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-Bastion-Signature")))
}

func (s *service) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec := received{Path: r.URL.Path}
	switch {
	case err != nil:
		rec.Reason = "read: " + err.Error()
	case !verify(s.secret, r, body):
		rec.Reason = "bad signature"
	case json.Unmarshal(body, &rec) != nil:
		rec.Reason = "not JSON"
	default:
		rec.Accepted = true
	}
	rec.Path = r.URL.Path
	s.mu.Lock()
	s.log = append(s.log, rec)
	s.mu.Unlock()
	if !rec.Accepted {
		answer(w, http.StatusUnauthorized, map[string]any{"text": rec.Reason})
		return
	}
	switch r.URL.Path {
	case "/hang":
		<-r.Context().Done() // never answers: the caller gives up
		return
	case "/fail":
		answer(w, http.StatusInternalServerError, map[string]any{"text": "the billing database is down"})
		return
	case "/fail-html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>Bad gateway</body></html>")
		return
	case "/malformed":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>refunded, probably</html>")
		return
	case "/big":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"text":"`+strings.Repeat("a", 4<<20)+`"}`)
		return
	case "/redirect":
		http.Redirect(w, r, "http://localhost:"+s.port+"/refund?token=leaked", http.StatusTemporaryRedirect)
		return
	case "/flaky":
		s.mu.Lock()
		first := rec.Phase == "dry_run" && !s.flaky[rec.RequestID]
		s.flaky[rec.RequestID] = true
		s.mu.Unlock()
		if first {
			answer(w, http.StatusServiceUnavailable, map[string]any{"text": "warming up"})
			return
		}
	}
	if rec.Phase == "dry_run" {
		answer(w, http.StatusOK, map[string]any{"text": fmt.Sprintf("Would refund %v cents of invoice %v.", rec.Args["amount"], rec.Args["invoice"])})
		return
	}
	s.mu.Lock()
	a, seen := s.done[rec.RequestID]
	if !seen {
		text := fmt.Sprintf("Refunded %v cents of invoice %v (approved by %s).", rec.Args["amount"], rec.Args["invoice"], strings.Join(rec.Approvers, ", "))
		a = map[string]any{"text": text}
		if r.URL.Path == "/blocks" {
			a["blocks"] = []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*" + text + "*"}}}
		}
		s.done[rec.RequestID] = a
	}
	s.mu.Unlock()
	answer(w, http.StatusOK, a)
}

func (s *service) list(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	answer(w, http.StatusOK, s.log)
}

func answer(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
