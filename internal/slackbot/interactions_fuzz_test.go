package slackbot

import (
	"net/http/httptest"
	"testing"
	"time"
)

// Any signed payload gets a clear status, never a panic; refused payloads
// store nothing, and whatever is stored decodes or is dropped cleanly.
func FuzzInteractionsHandler(f *testing.F) {
	f.Add(clickPayload)
	f.Add(`{"type":"block_actions","actions":[]}`)
	f.Add(`{"type":"block_actions","team":null,"actions":[{"action_id":"\u0000"}]}`)
	f.Add("\xff\xfe{")
	now := time.Now()
	f.Fuzz(func(t *testing.T, payload string) {
		q := &actionQueue{bodies: map[string]string{}}
		h, err := NewInteractionsHandler(InteractionsHandlerOptions{SigningSecret: "s3cret", Queue: q})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedForm(t, "s3cret", now, payload))
		switch w.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d for %q", w.Code, payload)
		}
		if w.Code != 200 && len(q.bodies) > 0 {
			t.Fatalf("refused but queued %v", q.bodies)
		}
		for _, body := range q.bodies {
			if _, err := decodeBlockActions([]byte(body), "UBOT"); err != nil && err.Error() == "" {
				t.Fatal("empty error")
			}
		}
	})
}
