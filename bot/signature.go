package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureWindow is how far a request's timestamp may be from now.
const SignatureWindow = 5 * time.Minute

// Signature errors, distinguishable with errors.Is.
var (
	ErrMissingSignature = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	ErrStaleTimestamp   = errors.New("request timestamp is more than 5 minutes from now")
	ErrBadSignature     = errors.New("signature does not match")
)

// Sign returns Slack's v0 signature of body sent at timestamp.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a request's X-Slack-Signature against body with a
// constant-time comparison and rejects timestamps outside SignatureWindow.
func VerifySignature(secret, timestamp, signature string, body []byte, now time.Time) error {
	if timestamp == "" || signature == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not a number", ErrStaleTimestamp, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureWindow || d < -SignatureWindow {
		return ErrStaleTimestamp
	}
	if !strings.HasPrefix(signature, "v0=") {
		return fmt.Errorf("%w: unknown version", ErrBadSignature)
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return ErrBadSignature
	}
	return nil
}
