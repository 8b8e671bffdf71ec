// Command checkload drives a running permission server from its own
// process and reports checks/s, latency percentiles, the CPU it used per
// check itself and, given the server's process id, the CPU the server
// used per check (from /proc/PID/stat before and after the run).
//
//	checkload -target 127.0.0.1:8080 -key KEY -mode grpc -clients 32 -server-pid PID
//
// Modes: grpc (one Check per check over gRPC, google.golang.org/grpc's
// client), batch (the Go client with client.WithBatching: concurrent
// checks go together in BatchCheck calls), connect-json (the Connect
// protocol with JSON bodies over HTTP/1.1, a connection per caller, as a
// browser or curl would call), connect-go (the Go client's default gRPC
// transport, one Check per check).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bench/dataset"
	"github.com/bastionhq/bastion/bench/loadgen"
	"github.com/bastionhq/bastion/client"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server/convert"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "checkload:", err)
		os.Exit(1)
	}
}

func run() error {
	target := flag.String("target", "127.0.0.1:8080", "host:port of the server")
	key := flag.String("key", "", "API key")
	mode := flag.String("mode", "grpc", "grpc, batch, connect-json or connect-go")
	clients := flag.Int("clients", 32, "concurrent callers")
	conns := flag.Int("conns", 1, "gRPC connections (grpc mode), callers spread over them")
	duration := flag.Duration("duration", 10*time.Second, "how long to drive load")
	assignments := flag.Int("assignments", 1_000_000, "size of the generated data set the server holds (bastion bench seed)")
	pid := flag.Int("server-pid", 0, "the server's process id, to report its CPU per check")
	label := flag.String("label", "", "a name printed at the start of the result line")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	reqs, err := dataset.Requests(dataset.ForAssignments(*assignments))
	if err != nil {
		return err
	}
	checker, closeFn, err := newChecker(*mode, *target, *key, *clients, *conns)
	if err != nil {
		return err
	}
	defer closeFn()
	// Reach every request once: connections open and the server holds
	// every user it will check, so the run measures the steady state.
	if r := loadgen.Once(ctx, checker, reqs, *clients); r.Errors > 0 {
		return fmt.Errorf("warm up: %d of %d checks failed (first: %w)", r.Errors, r.Checks, r.FirstErr)
	}
	var before loadgen.ProcStat
	if *pid > 0 {
		if before, err = loadgen.ReadProcStat(*pid); err != nil {
			return err
		}
	}
	r := loadgen.Run(ctx, checker, reqs, *clients, *duration)
	line := fmt.Sprintf("%-14s %8.0f checks/s  p50 %7s  p99 %7s  client CPU/check %6s",
		*label, r.PerSecond(), round(r.P50), round(r.P99), round(r.CPUPerCheck()))
	if *pid > 0 {
		after, err := loadgen.ReadProcStat(*pid)
		if err != nil {
			return err
		}
		cpu := after.CPU - before.CPU
		line += fmt.Sprintf("  server CPU/check %6s (%.2f cores, RSS %d MB)",
			round(cpu/time.Duration(max(r.Checks, 1))), cpu.Seconds()/r.Elapsed.Seconds(), after.RSS>>20)
	}
	line += fmt.Sprintf("  [%s, %d clients, %d checks, %d errors]", *mode, r.Clients, r.Checks, r.Errors)
	fmt.Println(line)
	if r.Errors > 0 {
		return fmt.Errorf("%d checks failed (first: %w)", r.Errors, r.FirstErr)
	}
	return nil
}

func round(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(100 * time.Nanosecond).String()
	}
}

func newChecker(mode, target, key string, clients, conns int) (loadgen.Checker, func(), error) {
	url := "http://" + target
	switch mode {
	case "grpc":
		return newGRPC(target, key, conns)
	case "batch":
		return client.NewRemote(url, key, client.WithBatching(1)), func() {}, nil
	case "connect-go":
		return client.NewRemote(url, key), func() {}, nil
	case "connect-json":
		var p http.Protocols
		p.SetHTTP1(true)
		hc := &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
		rpc := authzv1connect.NewPermissionServiceClient(hc, url, connect.WithProtoJSON(), connect.WithInterceptors(client.APIKey(key)))
		return connectChecker{rpc}, func() {}, nil
	default:
		return nil, nil, fmt.Errorf("-mode %q: want grpc, batch, connect-json or connect-go", mode)
	}
}

// grpcChecker calls Check with google.golang.org/grpc's client, spreading
// calls over its connections.
type grpcChecker struct {
	conns []*grpc.ClientConn
	md    metadata.MD
	next  chan int
}

func newGRPC(target, key string, n int) (*grpcChecker, func(), error) {
	g := &grpcChecker{md: metadata.Pairs("authorization", "Bearer "+key), next: make(chan int, max(n, 1))}
	for i := range max(n, 1) {
		cc, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, nil, fmt.Errorf("grpc client: %w", err)
		}
		g.conns = append(g.conns, cc)
		g.next <- i
	}
	return g, func() {
		for _, c := range g.conns {
			c.Close()
		}
	}, nil
}

func (g *grpcChecker) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	i := <-g.next
	g.next <- i
	ctx = metadata.NewOutgoingContext(ctx, g.md)
	out := new(authzv1.CheckResponse)
	if err := g.conns[i].Invoke(ctx, authzv1connect.PermissionServiceCheckProcedure, eligibility(req), out); err != nil {
		return authz.Result{}, err
	}
	return convert.Result(out), nil
}

// connectChecker calls Check with a connect client.
type connectChecker struct {
	rpc authzv1connect.PermissionServiceClient
}

func (c connectChecker) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	res, err := c.rpc.Check(ctx, connect.NewRequest(eligibility(req)))
	if err != nil {
		return authz.Result{}, err
	}
	return convert.Result(res.Msg), nil
}

func eligibility(r authz.EligibilityRequest) *authzv1.EligibilityRequest {
	return &authzv1.EligibilityRequest{TeamId: r.TeamID, UserId: r.UserID, EntityId: r.EntityID, Permissions: r.Permissions}
}
