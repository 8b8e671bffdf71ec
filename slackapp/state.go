package slackapp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// stateSigner makes and checks the OAuth state parameter: a random nonce
// and an expiry, signed with HMAC-SHA256.
type stateSigner struct {
	secret []byte
	ttl    time.Duration
}

func (s stateSigner) issue(now time.Time) (string, error) {
	payload := make([]byte, 24)
	if _, err := rand.Read(payload[:16]); err != nil {
		return "", fmt.Errorf("issue oauth state: %w", err)
	}
	binary.BigEndian.PutUint64(payload[16:], uint64(now.Add(s.ttl).Unix()))
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.sign(payload)), nil
}

func (s stateSigner) sign(payload []byte) []byte {
	mac := hmac.New(sha256.New, s.secret)
	mac.Write(payload)
	return mac.Sum(nil)
}

var (
	errStateInvalid = errors.New("invalid oauth state")
	errStateExpired = errors.New("expired oauth state")
)

func (s stateSigner) verify(state string, now time.Time) error {
	body, sig, ok := strings.Cut(state, ".")
	if !ok {
		return errStateInvalid
	}
	payload, ok1 := decodeCanonical(body)
	mac, ok2 := decodeCanonical(sig)
	if !ok1 || !ok2 || len(payload) != 24 || !hmac.Equal(mac, s.sign(payload)) {
		return errStateInvalid
	}
	if now.Unix() > int64(binary.BigEndian.Uint64(payload[16:])) {
		return errStateExpired
	}
	return nil
}

// decodeCanonical decodes unpadded base64url, accepting only the one
// encoding issue produces: the decoder skips line breaks and ignores
// trailing bits, so without this a valid state could be sent in many
// spellings.
func decodeCanonical(text string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != text {
		return nil, false
	}
	return b, true
}
