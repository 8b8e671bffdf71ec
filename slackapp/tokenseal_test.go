package slackapp

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

func TestTokenSealer(t *testing.T) {
	key, err := ParseEncryptionKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEncryptionKey("abcd"); err == nil {
		t.Fatal("short key accepted")
	}
	if b64, err := ParseEncryptionKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="); err != nil || b64[31] != 31 {
		t.Fatalf("base64 key: %v", err)
	}
	s, _ := NewTokenSealer(key)
	a, _ := s.Seal("xoxb-1")
	b, _ := s.Seal("xoxb-1")
	if a == b || strings.Contains(a, "xoxb") {
		t.Fatalf("sealed %q and %q", a, b)
	}
	if got, err := s.Open(a); err != nil || got != "xoxb-1" {
		t.Fatalf("open = %q, %v", got, err)
	}
	tampered := a[:len(a)-2] + "AA"
	for _, bad := range []string{tampered, "v1:!!", "v2:abc", "v1:"} {
		if _, err := s.Open(bad); err == nil {
			t.Fatalf("opened %q", bad)
		}
	}
	if empty, _ := s.Seal(""); empty != "" {
		t.Fatal("empty token sealed")
	}
}

func FuzzVerifyState(f *testing.F) {
	signer := stateSigner{secret: []byte("0123456789abcdef"), ttl: 600e9}
	// A fixed valid state: the fuzz workers rebuild it identically.
	payload := make([]byte, 24)
	binary.BigEndian.PutUint64(payload[16:], uint64(fixedNow().Add(time.Minute).Unix()))
	good := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(signer.sign(payload))
	if err := signer.verify(good, fixedNow()); err != nil {
		f.Fatal(err)
	}
	issued, _ := signer.issue(fixedNow())
	if err := signer.verify(issued, fixedNow()); err != nil {
		f.Fatal(err)
	}
	if err := signer.verify(issued, fixedNow().Add(11*time.Minute)); err != errStateExpired {
		f.Fatalf("late state: %v", err)
	}
	f.Add(good)
	f.Add("")
	f.Add("a.b")
	f.Add("....")
	f.Fuzz(func(t *testing.T, state string) {
		if err := signer.verify(state, fixedNow()); err == nil && state != good {
			// Only a state this signer issued may pass.
			body, _, _ := strings.Cut(state, ".")
			goodBody, _, _ := strings.Cut(good, ".")
			if body != goodBody {
				t.Fatalf("forged state %q accepted", state)
			}
		}
	})
}

func fixedNow() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
