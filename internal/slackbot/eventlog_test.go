package slackbot_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// eventLog is the events ingress with a record of the message events it
// acknowledged, by message ts.
type eventLog struct {
	next http.Handler
	mu   sync.Mutex
	ts   map[string]int
}

func (l *eventLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	l.next.ServeHTTP(rec, r)
	var env struct {
		Event struct {
			TS string `json:"ts"`
		} `json:"event"`
	}
	if rec.status/100 == 2 && json.Unmarshal(body, &env) == nil && env.Event.TS != "" {
		l.mu.Lock()
		l.ts[env.Event.TS]++
		l.mu.Unlock()
	}
}

func (l *eventLog) count(ts string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ts[ts]
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
