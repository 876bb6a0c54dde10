package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// coldStarts is how many times the binary is started for the start-up figures.
const coldStarts = 11

type config struct {
	bin      string
	n        int
	duration time.Duration
	// accounts is how many full accounts the large customer database holds.
	accounts int
	// customerDuration bounds each customer operation phase.
	customerDuration time.Duration
}

func loadConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mocksandbox-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.bin, "bin", "", "mocksandbox binary to measure (default: go build ./cmd/mocksandbox into a temp dir)")
	fs.IntVar(&c.n, "n", 5000, "most timed requests per operation and connection count")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "most time per reseller operation and connection count")
	fs.IntVar(&c.accounts, "accounts", 1000, "accounts of 75 customers in the large customer database (the small one has 10)")
	fs.DurationVar(&c.customerDuration, "customer-duration", 2*time.Second, "most time per customer operation, database and connection count")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./cmd/mocksandbox-bench [-bin PATH] [-n N] [-duration D] [-accounts N] [-customer-duration D]\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.n < 1:
		return c, fmt.Errorf("-n %d: must be at least 1", c.n)
	case c.duration <= 0:
		return c, fmt.Errorf("-duration %s: must be positive", c.duration)
	case c.accounts < 1:
		return c, fmt.Errorf("-accounts %d: must be at least 1", c.accounts)
	case c.customerDuration <= 0:
		return c, fmt.Errorf("-customer-duration %s: must be positive", c.customerDuration)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	begin := time.Now()
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	tmp, err := os.MkdirTemp("", "mocksandbox-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	rep := report{args: args, machine: describeMachine(ctx)}
	rep.bin = cfg.bin
	if rep.bin == "" {
		progress("building ./cmd/mocksandbox")
		t := time.Now()
		if rep.bin, err = build(ctx, tmp); err != nil {
			return err
		}
		rep.build = time.Since(t)
	}

	progress("cold start: %d runs", coldStarts)
	if rep.starts, err = measureStarts(ctx, rep.bin, coldStarts); err != nil {
		return err
	}

	progress("load: one instance on a file database")
	if err := measureLoad(ctx, cfg, rep.bin, filepath.Join(tmp, "bench.db"), &rep, progress); err != nil {
		return err
	}

	progress("customers: a small and a large file database, one instance each")
	if rep.customers, err = measureCustomers(ctx, cfg, rep.bin, tmp, progress); err != nil {
		return err
	}
	rep.total = time.Since(begin)
	if err := rep.write(stdout); err != nil {
		return err
	}
	var failed []string
	for _, r := range slices.Concat(rep.load, rep.customers.results()) {
		if r.errors > 0 {
			failed = append(failed, fmt.Sprintf("%s at %d conns: %d errors, first: %v", r.op, r.conns, r.errors, r.firstErr))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("FAILED: requests answered wrongly:\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

// build compiles ./cmd/mocksandbox of the enclosing module into dir.
func build(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the bench inside the mocksandbox module, or pass -bin (go env GOMOD: %q, %v)", gomod, err)
	}
	bin := filepath.Join(dir, "mocksandbox")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mocksandbox")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mocksandbox: %w\n%s", err, out)
	}
	return bin, nil
}

// start is one cold start.
type start struct {
	logLine, ready time.Duration
	rss            int64
}

// measureStarts execs bin n times (in-memory database), timing exec → the
// first 200 of /_mock/ready, reading the idle RSS, then killing it.
func measureStarts(ctx context.Context, bin string, n int) ([]start, error) {
	var starts []start
	for i := range n {
		s, err := coldStart(ctx, bin)
		if err != nil {
			return nil, fmt.Errorf("cold start %d: %w", i+1, err)
		}
		starts = append(starts, s)
	}
	return starts, nil
}

func coldStart(ctx context.Context, bin string) (start, error) {
	in, err := startInstance(ctx, bin)
	if err != nil {
		return start{}, err
	}
	defer in.kill()
	client := newClient(1)
	defer client.CloseIdleConnections()
	ready, err := in.waitReady(ctx, client)
	if err != nil {
		return start{}, err
	}
	rss, _, err := in.memory()
	if err != nil {
		return start{}, err
	}
	return start{logLine: in.logLine, ready: ready, rss: rss}, nil
}

// measureLoad runs every operation at 1 and 8 connections against one
// long-lived instance on a file database.
func measureLoad(ctx context.Context, cfg config, bin, db string, rep *report, progress func(string, ...any)) error {
	in, err := startInstance(ctx, bin, "--db", db)
	if err != nil {
		return err
	}
	defer func() {
		if err := in.stop(); err != nil {
			progress("warning: stopping the load instance: %v", err)
		}
	}()
	client := newClient(1)
	if _, err := in.waitReady(ctx, client); err != nil {
		return err
	}
	client.CloseIdleConnections()
	if rep.rssReady, _, err = in.memory(); err != nil {
		return err
	}

	wl := &workload{base: in.baseURL(), runID: randomHex(4)}
	replay, err := wl.replay(ctx)
	if err != nil {
		return err
	}
	list, err := wl.list(ctx)
	if err != nil {
		return err
	}
	for _, op := range []operation{wl.create(), replay, list} {
		for _, conns := range []int{1, 8} {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			progress("%s at %d conn(s): up to %d requests or %s", op.name, conns, cfg.n, cfg.duration)
			rep.load = append(rep.load, measure(ctx, op, conns, cfg.n, cfg.duration))
		}
	}
	rep.rssLoaded, rep.hwmLoaded, err = in.memory()
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// median is the middle value (the mean of the two middle ones for an even count).
func median[T int64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}
