package server

import (
	"crypto/sha256"
	"strings"
	"testing"
)

// TestKeyringComparesDigests: the keyring keeps only the SHA-256 digests of
// the keys, so that a presented key is compared digest to digest, in time
// independent of either key's length, and a key of any length is
// recognised only whole.
func TestKeyringComparesDigests(t *testing.T) {
	long := strings.Repeat("k", 300)
	k := newKeyring([]string{"short-key", long, ""}, false)
	if len(k.digests) != 2 || k.digests[0] != sha256.Sum256([]byte("short-key")) || k.digests[1] != sha256.Sum256([]byte(long)) {
		t.Fatalf("keyring holds %d digests %x; want the digests of the two keys", len(k.digests), k.digests)
	}
	for auth, want := range map[string]bool{
		"Bearer short-key":     true,
		"bearer " + long:       true,
		"Bearer short-ke":      false,
		"Bearer short-keyy":    false,
		"Bearer " + long[1:]:   false,
		"Bearer " + long + "k": false,
		"Bearer ":              false,
		"":                     false,
	} {
		if got := k.allowedValue(auth); got != want {
			t.Errorf("allowedValue(%.30q) = %v; want %v", auth, got, want)
		}
	}
	if !newKeyring(nil, true).allowedValue("") {
		t.Error("an insecure keyring refuses a call without a key")
	}
}
