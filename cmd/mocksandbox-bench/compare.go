package main

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// connCounts are the connection counts of every phase: single-client
// latency at 1, throughput (and latency under load) at 32.
var connCounts = []int{1, 32}

// halves is how many parts measureSet splits a phase into.
const halves = 2

// warmupsPerConn is how many untimed requests each half of a phase sends
// per connection before timing starts.
const warmupsPerConn = 5

// target is one running server on one database, with its own operations
// (each server has its own request counters).
type target struct {
	server string // "mock" or "floor"
	db     string // "small" or "large"
	in     *instance
	ops    map[string]*operation
	// rssReady is the resident memory after ready, before any load.
	rssReady int64
}

func newTarget(server, db string, in *instance, ops ...[]*operation) *target {
	t := &target{server: server, db: db, in: in, ops: map[string]*operation{}}
	for _, op := range slices.Concat(ops...) {
		t.ops[op.name] = op
	}
	return t
}

// phaseKey names one measured phase.
type phaseKey struct {
	server, db, op string
	conns          int
}

// bench runs phases with one driver and keeps their results.
type bench struct {
	drv      driver
	n        int           // most timed requests per phase
	dur      time.Duration // most time per phase
	results  map[phaseKey]result
	progress func(string, ...any)
}

// measureSet times op at conns on every target: in the order given, then
// in reverse, each part with half the requests and half the time, and
// merges each target's two halves. Drift in the machine's load (a shared
// VM) then weighs on every target alike instead of on whichever ran last.
func (b *bench) measureSet(ctx context.Context, targets []*target, op string, conns int) error {
	first := max(1, b.n/halves)
	reversed := slices.Clone(targets)
	slices.Reverse(reversed)
	order := slices.Concat(targets, reversed)
	for i, t := range order {
		count := first
		if i >= len(targets) {
			count = max(1, b.n-first)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := b.half(ctx, t, op, conns, count, b.dur/halves)
		if err != nil {
			return fmt.Errorf("%s on the %s %s database at %d connections: %w", op, t.server, t.db, conns, err)
		}
		key := phaseKey{t.server, t.db, op, conns}
		if prev, ok := b.results[key]; ok {
			res = merge(prev, res)
		}
		b.results[key] = res
	}
	return nil
}

// half runs an untimed warm-up, then times count requests (at most d) and
// the server's CPU time over them, including the work they left behind
// (the mock checkpoints its WAL in the background): the CPU is read once
// the server has gone quiet, before and after, which also keeps that work
// out of the next instance's half.
func (b *bench) half(ctx context.Context, t *target, op string, conns, count int, d time.Duration) (result, error) {
	o := t.ops[op]
	warm, err := b.drv.run(ctx, t.in, o, conns, warmupsPerConn*conns, 2*time.Second)
	if err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	before, err := settle(ctx, t.in)
	if err != nil {
		return result{}, err
	}
	res, err := b.drv.run(ctx, t.in, o, conns, count, d)
	if err != nil {
		return result{}, err
	}
	after, err := settle(ctx, t.in)
	if err != nil {
		return result{}, err
	}
	res.cpu = after - before
	res.errors += warm.errors
	if res.firstErr == nil {
		res.firstErr = warm.firstErr
	}
	return res, nil
}

// quiet is how long a server must use no CPU (no /proc tick) to count as
// idle; settle waits at most maxSettle for that.
const (
	quiet     = 60 * time.Millisecond
	maxSettle = 2 * time.Second
)

// settle waits until in has used no CPU for quiet (or maxSettle passed)
// and returns its CPU time then.
func settle(ctx context.Context, in *instance) (time.Duration, error) {
	last, err := in.cpuTime()
	if err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(maxSettle); time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(quiet)
		now, err := in.cpuTime()
		if err != nil {
			return 0, err
		}
		if now == last {
			break
		}
		last = now
	}
	return last, nil
}
