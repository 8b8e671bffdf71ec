package bot

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// readSigned is what every Slack request endpoint does first: it accepts
// only POST, reads at most maxBody bytes, and verifies Slack's signature.
// On failure it has answered the request and returns false.
func readSigned(w http.ResponseWriter, r *http.Request, secret string, maxBody int64, now time.Time, log *slog.Logger) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBody))
			return nil, false
		}
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	if err := VerifySignature(secret, r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("X-Slack-Signature"), body, now); err != nil {
		log.Warn("rejected Slack request", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature: "+err.Error(), http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}
