package slackbot

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/slack-go/slack"
)

// readSigned is what every Slack request endpoint does first: it accepts
// only POST, reads at most maxBody bytes, and verifies Slack's signature
// with slack-go's verifier (v0 HMAC-SHA256 of the timestamp and the body,
// compared in constant time; a timestamp more than five minutes from now
// is refused). On failure it has answered the request and returns false.
func readSigned(w http.ResponseWriter, r *http.Request, secret string, maxBody int64, log *slog.Logger) ([]byte, bool) {
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
	if err := verify(r.Header, secret, body); err != nil {
		log.Warn("rejected Slack request", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature: "+err.Error(), http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// verify checks body against the request's X-Slack-Signature and
// X-Slack-Request-Timestamp.
func verify(h http.Header, secret string, body []byte) error {
	v, err := slack.NewSecretsVerifier(h, secret)
	if err != nil {
		return err
	}
	if _, err := v.Write(body); err != nil {
		return err
	}
	return v.Ensure()
}
