// Command gohandler is the Go handler the README shows under "Any
// language", run by the tests.
package main

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

var secret = []byte(os.Getenv("BILLING_BASTION_SECRET"))

var (
	mu   sync.Mutex
	done = map[string]string{} // request_id -> answer; keep it in your database
)

func refund(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	ts := r.Header.Get("X-Bastion-Request-Timestamp")
	sent, err := strconv.ParseInt(ts, 10, 64)
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	if err != nil || time.Since(time.Unix(sent, 0)).Abs() > 5*time.Minute ||
		!hmac.Equal([]byte("v0="+hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-Bastion-Signature"))) {
		answer(w, http.StatusUnauthorized, "bad signature")
		return
	}
	var req struct {
		Phase     string `json:"phase"`
		RequestID string `json:"request_id"`
		Args      struct {
			Invoice string `json:"invoice"`
			Amount  int64  `json:"amount"`
		} `json:"args"`
	}
	if json.Unmarshal(body, &req) != nil {
		answer(w, http.StatusBadRequest, "bad request")
		return
	}
	if req.Phase == "dry_run" {
		answer(w, http.StatusOK, fmt.Sprintf("Would refund %d cents of %s.", req.Args.Amount, req.Args.Invoice))
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if _, ok := done[req.RequestID]; !ok { // run at most once per request id
		done[req.RequestID] = fmt.Sprintf("Refunded %d cents of %s.", req.Args.Amount, req.Args.Invoice)
	}
	answer(w, http.StatusOK, done[req.RequestID])
}

func answer(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"text": text})
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:"+cmp.Or(os.Getenv("PORT"), "8000"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("http://" + ln.Addr().String())
	log.Fatal(http.Serve(ln, http.HandlerFunc(refund)))
}
