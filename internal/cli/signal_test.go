package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/app"
)

// runAsBastion makes this test binary the bastion command when the
// environment asks for it, so a test can run bastion in a process of its
// own and signal it as a terminal would.
const runAsBastion = "BASTION_CLI_TEST_RUN_AS_BASTION"

func TestMain(m *testing.M) {
	if os.Getenv(runAsBastion) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], app.Options{}, app.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// Ctrl-C stops bastion dev at once with exit status 0, even with a
// console tab and a sandbox page open: their live streams are ended
// first, where an open console tab used to hold the server for the whole
// grace period and end with status 2 and "context deadline exceeded".
func TestCtrlCStopsDevWithStreamsOpen(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "dev", "--dir", dir, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), runAsBastion+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	opened := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`Open (http://\S+/)`).FindStringSubmatch(sc.Text()); m != nil {
				opened <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case base = <-opened:
	case <-time.After(2 * time.Minute):
		t.Fatalf("bastion dev did not start: %s", stderr.String())
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	res, err := browser.PostForm(base+"console/signin/dev", url.Values{"pick": {"T1/UROLES"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var ended sync.WaitGroup
	for _, path := range []string{"console/events", "ui/events"} {
		res, err := browser.Get(base + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", path, res, err)
		}
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() && !strings.HasPrefix(sc.Text(), "event: ") {
		}
		ended.Go(func() {
			defer res.Body.Close()
			for sc.Scan() {
			}
		})
	}

	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	took := time.Since(start)
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		t.Fatalf("bastion dev ended with %v after Ctrl-C:\n%s", err, stderr.String())
	}
	if took >= app.ShutdownGrace {
		t.Errorf("bastion dev took %v to stop, the whole grace period", took)
	}
	if strings.Contains(stderr.String(), "deadline") {
		t.Errorf("stopping reported a deadline:\n%s", stderr.String())
	}
	ended.Wait()
}
