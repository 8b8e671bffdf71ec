package runner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
)

// workerPrefix names this runner's workers in claims and logs: the host,
// the process and a random part, so runners never share worker names.
func workerPrefix() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "bot"
	}
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
