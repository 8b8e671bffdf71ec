package httpcommand

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// sign returns the X-Bastion-Signature of body sent at timestamp: "v0="
// and the hex HMAC-SHA256, keyed with secret, of "v0:" + timestamp + ":" +
// body, the scheme Slack signs its own requests with.
func sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
