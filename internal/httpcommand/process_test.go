package httpcommand_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// handlerDir holds the test handler (testdata/handler), built on first
// use by buildHandler; TestMain removes it.
var (
	handlerDir   string
	buildOnce    sync.Once
	handlerBuilt string
	buildErr     error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "httpcommand-handler-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	handlerDir = dir
	return m.Run()
}

// buildHandler builds the test handler once per test binary.
func buildHandler(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		bin := filepath.Join(handlerDir, "handler")
		out, err := exec.Command(goTool(), "build", "-o", bin, "./testdata/handler").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build the test handler: %v\n%s", err, out)
			return
		}
		handlerBuilt = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return handlerBuilt
}

// goTool is the go command running the tests.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// handlerProc is a running test handler process.
type handlerProc struct {
	URL string
}

// received is one request as the handler saw it.
type received struct {
	Path      string         `json:"path"`
	Accepted  bool           `json:"accepted"`
	Reason    string         `json:"reason"`
	Phase     string         `json:"phase"`
	RequestID string         `json:"request_id"`
	Command   string         `json:"command"`
	Text      string         `json:"text"`
	Args      map[string]any `json:"args"`
	TeamID    string         `json:"team_id"`
	ChannelID string         `json:"channel_id"`
	UserID    string         `json:"user_id"`
	Approvers []string       `json:"approvers"`
}

// startHandler runs the test handler with secret on a loopback port until
// the test ends.
func startHandler(t testing.TB, secret string) *handlerProc {
	t.Helper()
	cmd := exec.Command(buildHandler(t))
	cmd.Env = append(os.Environ(), "HANDLER_SECRET="+secret)
	cmd.Stderr = t.Output()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &handlerProc{URL: firstLine(t, out)}
}

// firstLine reads the line a handler prints with its address.
func firstLine(t testing.TB, out io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the handler printed no address: %v", err)
	}
	return strings.TrimSpace(line)
}

// received lists the requests the handler got, in order.
func (h *handlerProc) received(t testing.TB) []received {
	t.Helper()
	resp, err := http.Get(h.URL + "/received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []received
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// count counts the accepted requests of phase with requestID.
func (h *handlerProc) count(t testing.TB, phase, requestID string) int {
	n := 0
	for _, r := range h.received(t) {
		if r.Accepted && r.Phase == phase && r.RequestID == requestID {
			n++
		}
	}
	return n
}

// waitReceived waits until the handler got an accepted request of phase
// with requestID: a request may still be on its way when the caller gave
// up.
func (h *handlerProc) waitReceived(t testing.TB, phase, requestID string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.count(t, phase, requestID) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the handler never got the %s of %s: %+v", phase, requestID, h.received(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lockedBuffer collects log lines written concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
