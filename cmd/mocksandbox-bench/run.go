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
	"strconv"
	"strings"
	"time"
)

// coldStarts is how many times each binary is started for the start-up figures.
const coldStarts = 11

type config struct {
	bin, floorBin string
	// n bounds the timed requests of each phase (one operation on one
	// server and database at one connection count).
	n int
	// duration bounds the time of each phase.
	duration time.Duration
	// accounts is how many full accounts the large database holds.
	accounts int
	// load is the load generator: auto (wrk when installed), wrk or go.
	load string
	// mockArgs are extra flags for every mock instance (what-if runs).
	mockArgs []string
}

func loadConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mocksandbox-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.bin, "bin", "", "mocksandbox binary to measure (default: go build ./cmd/mocksandbox into a temp dir)")
	fs.StringVar(&c.floorBin, "floor-bin", "", "floor binary (default: go build ./cmd/mocksandbox-bench/floor into a temp dir)")
	fs.IntVar(&c.n, "n", 20000, "most timed requests per phase (operation, server, database, connection count)")
	fs.DurationVar(&c.duration, "duration", 4*time.Second, "most time per phase; with wrk each half is rounded up to whole seconds")
	fs.IntVar(&c.accounts, "accounts", 10000, "accounts of 75 customers in the large database (the small one has 10)")
	fs.StringVar(&c.load, "load", "auto", "load generator: auto (wrk if installed, else the Go loop), wrk or go")
	mockArgs := fs.String("mock-args", "", `extra flags for the mock, space-separated (e.g. "--journal-size 0")`)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./cmd/mocksandbox-bench [-n N] [-duration D] [-accounts N] [-load auto|wrk|go] [-mock-args FLAGS] [-bin PATH] [-floor-bin PATH]\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.mockArgs = strings.Fields(*mockArgs)
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.n < halves:
		return c, fmt.Errorf("-n %d: must be at least %d", c.n, halves)
	case c.duration <= 0:
		return c, fmt.Errorf("-duration %s: must be positive", c.duration)
	case c.accounts < 1:
		return c, fmt.Errorf("-accounts %d: must be at least 1", c.accounts)
	case !slices.Contains([]string{"auto", "wrk", "go"}, c.load):
		return c, fmt.Errorf("-load %q: want auto, wrk or go", c.load)
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
	progress := func(format string, a ...any) {
		fmt.Fprintf(stderr, "bench %5.0fs: "+format+"\n", append([]any{time.Since(begin).Seconds()}, a...)...)
	}

	tmp, err := os.MkdirTemp("", "mocksandbox-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	rep := &report{args: args, cfg: cfg, machine: describeMachine(ctx), loadStart: loadAverage()}
	mock := program{name: "mock", path: cfg.bin, args: append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, cfg.mockArgs...)}
	floor := program{name: "floor", path: cfg.floorBin, args: []string{"--addr", "127.0.0.1:0"}}
	for _, b := range []struct {
		prog  *program
		pkg   string
		built *time.Duration
	}{{&mock, "./cmd/mocksandbox", &rep.buildMock}, {&floor, "./cmd/mocksandbox-bench/floor", &rep.buildFloor}} {
		if b.prog.path != "" {
			continue
		}
		progress("building %s", b.pkg)
		t := time.Now()
		if b.prog.path, err = build(ctx, tmp, b.pkg); err != nil {
			return err
		}
		*b.built = time.Since(t)
	}
	rep.mockBin, rep.floorBin = mock.path, floor.path

	drv, err := chooseDriver(ctx, cfg.load, tmp)
	if err != nil {
		return err
	}
	rep.driver = drv.name()
	progress("load generator: %s", drv.name())

	progress("cold start: %d runs of each binary, alternating", coldStarts)
	if rep.starts, err = measureStarts(ctx, []program{mock, floor}, coldStarts); err != nil {
		return err
	}

	if err := measureLoad(ctx, cfg, drv, mock, floor, tmp, rep, progress); err != nil {
		return err
	}
	rep.total, rep.loadEnd = time.Since(begin), loadAverage()
	if err := rep.write(stdout); err != nil {
		return err
	}
	var failed []string
	for _, k := range rep.keys() {
		if r := rep.results[k]; r.errors > 0 {
			failed = append(failed, fmt.Sprintf("%s on the %s %s database at %d conns: %d errors, first: %v",
				k.op, k.server, k.db, k.conns, r.errors, r.firstErr))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("FAILED: requests answered wrongly:\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

func chooseDriver(ctx context.Context, load, dir string) (driver, error) {
	if load == "go" {
		return goDriver{why: "-load go"}, nil
	}
	d, err := findWrk(ctx, dir)
	if err == nil {
		return d, nil
	}
	if load == "wrk" {
		return nil, fmt.Errorf("-load wrk: %w (Debian: apt-get install wrk)", err)
	}
	return goDriver{why: "wrk is not on PATH"}, nil
}

// build compiles pkg of the enclosing module into dir.
func build(ctx context.Context, dir, pkg string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the bench inside the mocksandbox module, or pass -bin and -floor-bin (go env GOMOD: %q, %v)", gomod, err)
	}
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}

// start is one cold start.
type start struct {
	ready time.Duration // exec → the first 200 of /_mock/ready
	rss   int64
}

// measureStarts execs each program n times, alternating (in-memory
// database), timing exec → the first 200 of /_mock/ready and reading the
// idle RSS, then killing it.
func measureStarts(ctx context.Context, progs []program, n int) (map[string][]start, error) {
	starts := map[string][]start{}
	for i := range n {
		for _, p := range progs {
			s, err := coldStart(ctx, p)
			if err != nil {
				return nil, fmt.Errorf("cold start %d of the %s: %w", i+1, p.name, err)
			}
			starts[p.name] = append(starts[p.name], s)
		}
	}
	return starts, nil
}

func coldStart(ctx context.Context, p program) (start, error) {
	in, err := startInstance(ctx, p)
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
	return start{ready: ready, rss: rss}, nil
}

// measureLoad builds the small and the large database for each server,
// starts the four instances, checks them, and runs every phase.
func measureLoad(ctx context.Context, cfg config, drv driver, mock, floor program, dir string, rep *report, progress func(string, ...any)) error {
	sp := spareAccounts(cfg.n)
	runID := randomHex(4)
	var all []*instance
	defer func() {
		for _, in := range all {
			if err := in.stop(); err != nil {
				progress("warning: stopping the %s: %v", in.prog.name, err)
			}
		}
	}()
	startServer := func(p program, args ...string) (*instance, time.Duration, error) {
		in, err := startInstance(ctx, p, args...)
		if err != nil {
			return nil, 0, err
		}
		all = append(all, in)
		client := newClient(1)
		defer client.CloseIdleConnections()
		ready, err := in.waitReady(ctx, client)
		return in, ready, err
	}

	dbs := []struct {
		name     string
		accounts int
	}{{"small", smallAccounts}, {"large", cfg.accounts}}
	var (
		wls     [2]*workload
		mocks   [2]*target
		floors  [2]*target
		mockSz  [2]sizes
		created [2]int // customer, reseller 201 sizes (small database)
	)
	for i, db := range dbs {
		progress("%s database: generating and seeding %d accounts × %d customers + %d + %d spare accounts (mock)",
			db.name, db.accounts, customersPerAccount, sp.customer, sp.reseller)
		path := databasePath(dir, "mock", db.name)
		ds, s, err := buildMockDatabase(ctx, db.name, path, db.accounts, sp)
		if err != nil {
			return err
		}
		progress("%s database: mock seeded in %s (%s)", db.name, s.total.Round(time.Millisecond), mib(s.fileBytes))
		rep.databases = append(rep.databases, dbReport{name: db.name, full: len(ds.full), customers: ds.customers(),
			accounts: ds.accounts(), mock: s})
		wls[i] = newWorkload(ds, runID)
		in, ready, err := startServer(mock, "--db", path)
		if err != nil {
			return err
		}
		rep.databases[i].mockReady = ready
		if mockSz[i], err = wls[i].verify(ctx, in.baseURL()); err != nil {
			return fmt.Errorf("set up: %w", err)
		}
		if i == 0 {
			if created[0], created[1], err = wls[i].prime(ctx, in.baseURL()); err != nil {
				return err
			}
		}
		mocks[i] = newTarget("mock", db.name, in, wls[i].readOps())
	}
	for i, db := range dbs {
		sz := mockSz[i]
		sz.customer, sz.reseller = created[0], created[1]
		rep.databases[i].sizes = sz
		path := databasePath(dir, "floor", db.name)
		progress("%s database: seeding the floor", db.name)
		s, err := buildFloorDatabase(ctx, floor, path, wls[i].ds, sz)
		if err != nil {
			return err
		}
		rep.databases[i].floor = s
		in, ready, err := startServer(floor, "--db", path, "--list-bytes", strconv.Itoa(sz.list), "--filter-bytes", strconv.Itoa(sz.filter),
			"--customer-bytes", strconv.Itoa(sz.customer), "--reseller-bytes", strconv.Itoa(sz.reseller))
		if err != nil {
			return err
		}
		rep.databases[i].floorReady = ready
		got, err := wls[i].verify(ctx, in.baseURL())
		if err != nil {
			return fmt.Errorf("set up the floor: %w", err)
		}
		if got.doc != sz.doc || got.list != sz.list || got.filter != sz.filter {
			return fmt.Errorf("set up the floor: its answers are %+v bytes, the mock's %+v", got, sz)
		}
		if i == 0 {
			if _, _, err := wls[i].prime(ctx, in.baseURL()); err != nil {
				return fmt.Errorf("floor: %w", err)
			}
		}
		floors[i] = newTarget("floor", db.name, in, wls[i].readOps())
	}
	// Writes go to the small database only; each server has its own counters.
	for _, t := range []*target{mocks[0], floors[0]} {
		for _, op := range wls[0].writeOps() {
			t.ops[op.name] = op
		}
	}
	targets := []*target{mocks[0], floors[0], mocks[1], floors[1]}
	for _, t := range targets {
		var err error
		if t.rssReady, _, err = t.in.memory(); err != nil {
			return err
		}
	}

	b := &bench{drv: drv, n: cfg.n, dur: cfg.duration, results: map[phaseKey]result{}, progress: progress}
	rep.results = b.results
	for _, op := range []string{opGet, opList, opFilter, opCreateCustomer, opCreateReseller, opReplay} {
		set := targets
		if t := mocks[0].ops[op]; t.class == writeOp {
			set = targets[:2]
		}
		for _, conns := range connCounts {
			progress("%s at %d conn(s) on %d instances, halves in turn: up to %d requests or %s each",
				op, conns, len(set), cfg.n, cfg.duration)
			if err := b.measureSet(ctx, set, op, conns); err != nil {
				return err
			}
		}
	}
	for _, t := range targets {
		rss, hwm, err := t.in.memory()
		if err != nil {
			return err
		}
		rep.memory = append(rep.memory, memoryReport{server: t.server, db: t.db, ready: t.rssReady, loaded: rss, peak: hwm})
	}
	return nil
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
