package httpcommand_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/httpcommand"
)

// The handlers the README shows, in Python (testdata/handler.py) and Go
// (testdata/gohandler), accept Bastion's signature, answer a dry run and a
// run, and refuse another secret and an old timestamp. python3 must be
// installed.
func TestDocumentedHandlers(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed to run the documented Python handler: %v", err)
	}
	goBin := filepath.Join(t.TempDir(), "gohandler")
	if out, err := exec.Command(goTool(), "build", "-o", goBin, "./testdata/gohandler").CombinedOutput(); err != nil {
		t.Fatalf("build the Go handler: %v\n%s", err, out)
	}
	for name, argv := range map[string][]string{"python": {python, "testdata/handler.py"}, "go": {goBin}} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), "BILLING_BASTION_SECRET="+testSecret, "PORT=0")
			cmd.Stderr = t.Output()
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			h := &handlerProc{URL: firstLine(t, out)}

			b := newBench(t, h, refund("/bastion/refund", ""), nil)
			if got, err := b.dryRun(t, "1700000000.000100", "refund inv_1 500 cents"); err != nil || got != "Would refund 500 cents of inv_1." {
				t.Fatalf("dry run = %q, %v", got, err)
			}
			inv, replies := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
			if inv.Result != "ok" || len(replies) != 1 || replies[0].text != "Refunded 500 cents of inv_1." {
				t.Fatalf("run: %+v %+v", inv, replies)
			}
			wrong := newBench(t, h, strings.Replace(refund("/bastion/refund", ""), "TEST_SECRET", "OTHER_SECRET", 1), nil)
			inv, _ = wrong.say(t, "1700000000.000200", "refund inv_1 500 cents")
			wantContains(t, "run with another secret", inv.Result, "answered 401 Unauthorized: bad signature")
			stale := newBench(t, h, refund("/bastion/refund", ""), func() time.Time { return time.Now().Add(-6 * time.Minute) })
			inv, _ = stale.say(t, "1700000000.000300", "refund inv_1 500 cents")
			wantContains(t, "run signed 6 minutes ago", inv.Result, "answered 401 Unauthorized: bad signature")
			if run := stale.outcome(t, "1700000000.000300"); run.Outcome != httpcommand.OutcomeFailed {
				t.Fatalf("ledger: %+v", run)
			}
		})
	}
}

// The README shows the tested handlers as they are.
func TestReadmeShowsTheTestedHandlers(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	py, err := os.ReadFile("testdata/handler.py")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), string(py)) {
		t.Error("the README's Python handler is not testdata/handler.py")
	}
	src, err := os.ReadFile("testdata/gohandler/main.go")
	if err != nil {
		t.Fatal(err)
	}
	start, end := strings.Index(string(src), "var secret"), strings.Index(string(src), "func main()")
	if start < 0 || end < start || !strings.Contains(string(readme), strings.TrimSpace(string(src[start:end]))) {
		t.Error("the README's Go handler is not testdata/gohandler/main.go from `var secret` to `func main`")
	}
}
