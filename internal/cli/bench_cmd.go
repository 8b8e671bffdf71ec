package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bench/dataset"
	"github.com/bastionhq/bastion/bench/loadgen"
	"github.com/bastionhq/bastion/client"
	"github.com/bastionhq/bastion/internal/app"
)

func newBenchCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Load-test the permission service on generated data"}
	var assignments, expiring int
	seed := &cobra.Command{
		Use:   "seed",
		Short: "Generate an organisation with N assignments into --db (10 assignments per user; 10k channels, one per 100 assignments past 1M)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd.Context(), func(e *authz.Engine) error {
				return a.seedBench(cmd.Context(), e, assignments, expiring)
			})
		},
	}
	seed.Flags().IntVar(&assignments, "assignments", 1_000_000, "how many role assignments to generate")
	seed.Flags().IntVar(&expiring, "expiring-percent", 0, "give this share of the assignments (0-100) an end between an hour and 30 days away")

	var o benchOptions
	check := &cobra.Command{
		Use:   "check",
		Short: "Drive Check over gRPC from many concurrent clients and print checks/s and latency percentiles",
		Long: `check sends eligibility checks for generated users (seeding --db first when it holds no
generated data) to a running server (--target) or to one it starts in this process on a
loopback port, from --clients concurrent callers for --duration, and prints checks/s and
p50/p99/p999 latency, and the CPU the process used per check (client and in-process
server together; steadier than checks/s on a shared machine). --mode cached measures
the caching client instead, local the in-process engine.

--protocol picks how the client calls: grpc (HTTP/2, one connection), connect (HTTP/2)
or http1 (the Connect protocol over HTTP/1.1, a connection per client, the cheapest per
call). --batch N makes the client coalesce concurrent checks into BatchCheck calls, N
in flight; every check is still answered from the store.

Before measuring, every request is sent once, so the run measures the steady state in
which the server holds the users it checks (a check then reads only their versions);
--cold skips that, and each user's first check reads it in full.

By default each client sends its next check as soon as the last returns (closed loop):
that measures the most checks/s the system takes, and the latency it reports is then
mostly queueing. --rate N instead offers N checks/s at fixed intervals whatever the
answers (open loop), to measure latency at a given load, such as "20,000 checks/s with
p99 under 5ms": each check's latency counts from when it was scheduled, so a stall is
charged to every check it held back. --clients is then the most checks in flight: give
it more than rate times latency, or checks start late (counted as late) and the achieved
rate falls below the offered one.`,
		Example: "  bastion --db bench.db bench check --assignments 1000000 --clients 64 --duration 10s\n" +
			"  bastion --db bench.db bench check --clients 32 --batch 1\n" +
			"  bastion --db bench.db bench check --rate 20000 --batch 2\n" +
			"  bastion --db bench.db bench check --target http://127.0.0.1:8080 --api-key KEY",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.benchCheck(cmd.Context(), o) },
	}
	f := check.Flags()
	f.IntVar(&o.assignments, "assignments", 1_000_000, "size of the generated data set")
	f.IntVar(&o.expiring, "expiring-percent", 0, "when seeding: give this share of the assignments (0-100) an end between an hour and 30 days away")
	f.IntVar(&o.clients, "clients", 64, "concurrent callers (with --rate: the most checks in flight)")
	f.DurationVar(&o.duration, "duration", 10*time.Second, "how long to drive load")
	f.Float64Var(&o.rate, "rate", 0, "offer this many checks/s at fixed intervals, timing each from its scheduled start (0: closed loop, each client calling back to back)")
	f.StringVar(&o.target, "target", "", "base URL of a running bastion serve (default: start one in this process)")
	f.StringVar(&o.apiKey, "api-key", "", "API key for --target")
	f.StringVar(&o.mode, "mode", "authoritative", "authoritative (remote checks, see --protocol), cached (caching client) or local (engine in-process)")
	f.BoolVar(&o.connect, "connect-protocol", false, "use the Connect protocol instead of gRPC")
	f.MarkDeprecated("connect-protocol", "use --protocol connect")
	f.StringVar(&o.protocol, "protocol", "grpc", "how the client calls: grpc (HTTP/2, one connection), connect (HTTP/2) or http1 (Connect over HTTP/1.1, a connection per client)")
	f.IntVar(&o.batch, "batch", 0, "coalesce concurrent checks into BatchCheck calls, with at most this many in flight (0: one Check call per check)")
	f.BoolVar(&o.cold, "cold", false, "skip warming every request up first: each user's first check reads it in full (cached mode always boots every user first)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured run (client and in-process server) to this file")
	cmd.AddCommand(seed, check)
	return cmd
}

type benchOptions struct {
	assignments, clients int
	expiring             int
	duration             time.Duration
	rate                 float64
	target, apiKey, mode string
	connect, cold        bool
	cpuProfile           string
	protocol             string
	batch                int
}

// remoteOptions returns the client options --protocol and --batch ask for.
func (o benchOptions) remoteOptions() ([]client.Option, error) {
	protocol := o.protocol
	if o.connect {
		protocol = "connect"
	}
	var opts []client.Option
	switch protocol {
	case "grpc":
	case "connect":
		opts = append(opts, client.WithConnectProtocol())
	case "http1":
		if o.mode == "cached" {
			return nil, errors.New("--protocol http1 holds a connection per watch stream; cached mode watches every user: use grpc or connect")
		}
		opts = append(opts, client.WithHTTP1(o.clients))
	default:
		return nil, fmt.Errorf("--protocol %q: want grpc, connect or http1", protocol)
	}
	if o.batch > 0 {
		opts = append(opts, client.WithBatching(o.batch))
	}
	return opts, nil
}

func (a *cli) seedBench(ctx context.Context, e *authz.Engine, assignments, expiringPercent int) error {
	start := time.Now()
	last := time.Time{}
	spec := dataset.ForAssignments(assignments)
	spec.ExpiringPercent = expiringPercent
	_, err := dataset.Generate(ctx, e, spec, func(done, total int) {
		if time.Since(last) > time.Second || done == total {
			fmt.Fprintf(a.stderr, "\rseeding: %d/%d assignments (%.0f%%)", done, total, 100*float64(done)/float64(total))
			last = time.Now()
		}
	})
	fmt.Fprintln(a.stderr)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(a.stdout, "seeded %d assignments (%d%% with an end) in %v\n", assignments, expiringPercent, time.Since(start).Round(time.Millisecond))
	return nil
}

// benchRequests are checks of generated users on channels of their team.
func benchRequests(spec dataset.Spec) ([]authz.EligibilityRequest, error) {
	return dataset.Requests(spec)
}

func (a *cli) benchCheck(ctx context.Context, o benchOptions) error {
	if o.rate < 0 {
		return fmt.Errorf("--rate %v: want checks/s, or 0 for a closed loop", o.rate)
	}
	spec := dataset.ForAssignments(o.assignments)
	reqs, err := benchRequests(spec)
	if err != nil {
		return err
	}
	e, closeEngine, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	defer closeEngine()
	if _, err := e.Entity(ctx, "E0"); errors.Is(err, authz.ErrNotFound) {
		if err := a.seedBench(ctx, e, o.assignments, o.expiring); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}

	var checker loadgen.Checker
	switch o.mode {
	case "local":
		checker = client.NewLocal(e)
	case "authoritative", "cached":
		target, key := o.target, o.apiKey
		if target == "" {
			addr, benchKey, stop, err := a.startBenchServer(ctx)
			if err != nil {
				return err
			}
			defer stop()
			target, key = "http://"+addr, benchKey
		}
		opts, err := o.remoteOptions()
		if err != nil {
			return err
		}
		remote := client.NewRemote(target, key, opts...)
		checker = remote
		if o.mode == "cached" {
			checker = newTeamCaches(remote, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}
	default:
		return fmt.Errorf("--mode %q: want authoritative, cached or local", o.mode)
	}
	// Warm up before measuring: open connections and reach every request
	// once, so the run measures the steady state, where the server holds
	// the users it checks and a check reads only their versions (and in
	// cached mode, where the client has booted them: a cold user costs a
	// ListUserPermissions call and a new watch stream). --cold measures
	// from a cold start instead, where each user's first check reads it in
	// full.
	warm := reqs
	if o.cold && o.mode != "cached" {
		warm = reqs[:min(len(reqs), 100)]
	}
	if r := loadgen.Once(ctx, checker, warm, o.clients); r.Errors > 0 {
		return fmt.Errorf("warm up: %d of %d checks failed (first: %w)", r.Errors, r.Checks, r.FirstErr)
	}
	stopProfile, err := startCPUProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	loop := "closed loop"
	var r loadgen.Report
	if o.rate > 0 {
		loop = fmt.Sprintf("open loop at %.0f checks/s, latency from each check's scheduled start", o.rate)
		r = loadgen.RunRate(ctx, checker, reqs, o.rate, o.clients, o.duration)
	} else {
		r = loadgen.Run(ctx, checker, reqs, o.clients, o.duration)
	}
	if err := stopProfile(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "mode %s, %s, %d assignments, %d distinct requests\n%s\n", o.mode, loop, o.assignments, len(reqs), r)
	if r.Errors > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d checks failed", r.Errors)}
	}
	return nil
}

// startCPUProfile starts writing a CPU profile to path ("" profiles
// nothing) and returns the function that stops it and closes the file.
func startCPUProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		return nil
	}, nil
}

// startBenchServer runs `bastion serve` in this process on a loopback port
// with a fresh API key, returning its address, the key and a stop function.
func (a *cli) startBenchServer(ctx context.Context) (string, string, func(), error) {
	var raw [16]byte
	rand.Read(raw[:])
	key := hex.EncodeToString(raw[:])
	ready := make(chan string, 1)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	cfg := a.cfg
	cfg.Addr, cfg.APIKeys, cfg.FollowInterval = "127.0.0.1:0", []string{key}, authz.DefaultFollowInterval
	go func() {
		done <- app.Serve(sctx, cfg, app.Options{}, app.IO{Stdout: io.Discard, Stderr: io.Discard},
			app.ServeHooks{Ready: func(addr string) { ready <- addr }})
	}()
	select {
	case addr := <-ready:
		return addr, key, func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", "", nil, fmt.Errorf("start server: %w", err)
	}
}

// teamCaches routes each check to a caching client of the request's team.
type teamCaches struct {
	remote *client.Remote
	log    *slog.Logger
	byTeam sync.Map // team id -> *client.Cached
}

func newTeamCaches(remote *client.Remote, log *slog.Logger) *teamCaches {
	return &teamCaches{remote: remote, log: log}
}

func (t *teamCaches) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	c, ok := t.byTeam.Load(req.TeamID)
	if !ok {
		fresh := client.NewCached(t.remote, req.TeamID, t.log)
		var loaded bool
		if c, loaded = t.byTeam.LoadOrStore(req.TeamID, fresh); loaded {
			fresh.Close()
		}
	}
	return c.(*client.Cached).Check(ctx, req)
}
