package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/client"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestServeRefusesToStartWithoutAKey(t *testing.T) {
	t.Setenv("BASTION_API_KEYS", "")
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out, stdin: strings.NewReader("")}
	root := newRootCmd(a)
	root.AddCommand(newServeCmd(a))
	root.SetArgs([]string{"--db", filepath.Join(t.TempDir(), "b.db"), "serve", "--addr", "127.0.0.1:0"})
	err := root.ExecuteContext(context.Background())
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 2 || !strings.Contains(exit.msg, "no API key") {
		t.Fatalf("serve without a key: %v; want exit 2 naming the missing key", err)
	}
}

// TestServe runs bastion serve on SQLite and on MySQL: a check and a watch
// through the Go client, then a signal-like cancel that ends the watch
// with SHUTDOWN and stops the server cleanly.
func TestServe(t *testing.T) {
	for name, db := range map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "bastion.db") },
		"mysql":  func(t *testing.T) string { return storetest.MySQLURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			dbURL := db(t)
			if out, code := runCLI(t, dbURL, "", "demo-data"); code != 0 {
				t.Fatalf("demo-data: %d %s", code, out)
			}
			var logs bytes.Buffer
			a := &app{dbURL: dbURL, stdout: &logs, stderr: &logs}
			ready := make(chan string, 1)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			done := make(chan error, 1)
			go func() {
				done <- a.serve(ctx, &serveOptions{addr: "127.0.0.1:0", apiKeys: []string{"k2"}, ready: ready})
			}()
			var addr string
			select {
			case addr = <-ready:
			case err := <-done:
				t.Fatalf("serve ended early: %v\n%s", err, logs.String())
			}
			remote := client.NewRemote("http://"+addr, "k2")
			res, err := remote.Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UOPS", EntityID: "C2", Permissions: []string{"SET_PLAN"}})
			if err != nil || !res.Allowed() {
				t.Fatalf("check: %+v, %v", res, err)
			}
			if _, err := client.NewRemote("http://"+addr, "nope").Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UOPS", EntityID: "C2", Permissions: []string{"SET_PLAN"}}); connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("wrong key: %v; want unauthenticated", err)
			}
			metrics, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(metrics.Body)
			metrics.Body.Close()
			if !strings.Contains(string(body), `bastion_store_duration_seconds_count{op="load_user"}`) {
				t.Errorf("/metrics lacks the check path's store latency")
			}
			wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			w, err := remote.Service().WatchPermissions(wctx, connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: "T1", UserId: "UOPS"}))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if !w.Receive() || w.Msg().GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_INITIAL {
				t.Fatalf("first watch event: %v %v", w.Msg(), w.Err())
			}

			stop()
			if !w.Receive() || w.Msg().GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_SHUTDOWN {
				t.Errorf("on shutdown the watch got %v, %v; want SHUTDOWN", w.Msg(), w.Err())
			}
			if err := <-done; err != nil {
				t.Errorf("serve: %v\n%s", err, logs.String())
			}
			if !strings.Contains(logs.String(), `"msg":"stopped"`) {
				t.Errorf("logs lack the clean stop:\n%s", logs.String())
			}
		})
	}
}
