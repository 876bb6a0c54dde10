package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed wrk.lua
var wrkScript []byte

// wrkDriver runs wrk (Debian's wrk 4.1) with wrk.lua, which sends the same
// pre-built requests the Go loop would send and checks every answer.
type wrkDriver struct {
	path    string
	version string
	dir     string // request files and the script
	script  string
	files   int
}

// findWrk returns a wrk driver if wrk is on PATH.
func findWrk(ctx context.Context, dir string) (*wrkDriver, error) {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return nil, err
	}
	out, _ := exec.CommandContext(ctx, path, "-v").CombinedOutput()
	version, _, _ := strings.Cut(string(out), "\n")
	version, _, _ = strings.Cut(version, " [")
	d := &wrkDriver{path: path, version: strings.TrimSpace(version), dir: dir, script: filepath.Join(dir, "bench.lua")}
	if err := os.WriteFile(d.script, wrkScript, 0o644); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *wrkDriver) name() string {
	return fmt.Sprintf("%s (%s; threads: 1 at 1 connection, %d above)", d.version, d.path, runtime.NumCPU())
}

// wrkResult is the line wrk.lua's done() prints.
type wrkResult struct {
	Requests int64      `json:"requests"` // completed, as wrk counts them
	Duration int64      `json:"duration"` // µs, wrk's start to join
	Got      int        `json:"got"`      // answers the script saw
	Bad      int        `json:"bad"`
	FirstBad string     `json:"firstBad"`
	Bytes    int64      `json:"bytes"`
	Start    int64      `json:"start"` // µs, CLOCK_MONOTONIC: first request built
	End      int64      `json:"end"`   // µs: last answer read
	Connect  int        `json:"connect"`
	Read     int        `json:"read"`
	Write    int        `json:"write"`
	Timeout  int        `json:"timeout"`
	Hist     [][2]int64 `json:"hist"` // [µs, count], as wrk reports them
}

func (d *wrkDriver) run(ctx context.Context, in *instance, op *operation, conns, count int, maxDur time.Duration) (result, error) {
	threads := min(conns, runtime.NumCPU(), count)
	if threads < 1 {
		return result{}, fmt.Errorf("wrk: %d requests on %d connections", count, conns)
	}
	d.files++
	file := filepath.Join(d.dir, fmt.Sprintf("requests-%d", d.files))
	if err := d.writeRequests(file, in.addr, op, count+conns); err != nil {
		return result{}, err
	}
	defer os.Remove(file)

	replayed := "0"
	if op.want.replayed {
		replayed = "1"
	}
	contains := op.want.contains
	if contains == "" {
		contains = "-"
	}
	secs := max(1, int(math.Ceil(maxDur.Seconds())))
	cmd := exec.CommandContext(ctx, d.path, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", d.script, in.baseURL()+"/",
		"--", file, strconv.Itoa(threads), strconv.Itoa(count), strconv.Itoa(op.want.status), replayed, contains)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	// wrk 4.1 sleeps for all of -d even when every thread has stopped;
	// SIGINT ends that sleep (wrk then reports as usual).
	var line string
	stopped := 0
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		switch t := sc.Text(); {
		case t == "bench-thread-stopped":
			if stopped++; stopped == threads {
				cmd.Process.Signal(syscall.SIGINT)
			}
		case strings.HasPrefix(t, "bench-result "):
			line = strings.TrimPrefix(t, "bench-result ")
		}
	}
	if err := cmd.Wait(); err != nil {
		return result{}, fmt.Errorf("wrk: %w: %s", err, stderr.Bytes())
	}
	if line == "" {
		return result{}, fmt.Errorf("wrk printed no result: %s", stderr.Bytes())
	}
	var w wrkResult
	if err := json.Unmarshal([]byte(line), &w); err != nil {
		return result{}, fmt.Errorf("wrk result %.200s: %w", line, err)
	}
	return w.result(conns)
}

// writeRequests writes count raw requests of op, each followed by NUL.
// run asks for one spare request per connection (see wrk.lua).
func (d *wrkDriver) writeRequests(file, host string, op *operation, count int) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	k0 := op.take(int64(count))
	for i := range int64(count) {
		bw.Write(rawRequest(host, op.build(k0+i)))
		bw.WriteByte(0)
	}
	return errors.Join(bw.Flush(), f.Close())
}

// rawRequest is r as HTTP/1.1 bytes, with the headers the Go loop sends.
func rawRequest(host string, r request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nMS-RequestId: %s\r\nMS-CorrelationId: %s\r\n",
		r.method, r.path, host, r.token, r.requestID, r.correlationID)
	if r.body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(r.body))
	} else {
		b.WriteString("Accept: application/json\r\n")
	}
	b.WriteString("\r\n")
	b.Write(r.body)
	return b.Bytes()
}

// result converts wrk's figures, without its coordinated-omission
// correction (see wrkUncorrect).
func (w wrkResult) result(conns int) (result, error) {
	hist := map[int64]int64{}
	var total int64
	for _, vc := range w.Hist {
		hist[vc[0]] += vc[1]
		total += vc[1]
	}
	if total != w.Requests && w.Requests/int64(conns) > 0 {
		hist = wrkUncorrect(hist, w.Duration/(w.Requests/int64(conns)))
		total = 0
		for _, c := range hist {
			total += c
		}
	}
	if total != w.Requests {
		return result{}, fmt.Errorf("wrk's latency histogram holds %d requests, not the %d it completed", total, w.Requests)
	}
	res := result{
		ok:        w.Got - w.Bad,
		errors:    w.Bad + w.Connect + w.Read + w.Write + w.Timeout,
		bodyBytes: w.Bytes,
		elapsed:   time.Duration(w.End-w.Start) * time.Microsecond,
	}
	if w.FirstBad != "" {
		res.firstErr = errors.New(w.FirstBad)
	} else if res.errors > 0 {
		res.firstErr = fmt.Errorf("wrk socket errors: connect %d, read %d, write %d, timeout %d", w.Connect, w.Read, w.Write, w.Timeout)
	}
	values := make([]int64, 0, len(hist))
	for v := range hist {
		values = append(values, v)
	}
	slices.Sort(values)
	res.latency = make([]time.Duration, 0, total)
	for _, v := range values {
		for range hist[v] {
			res.latency = append(res.latency, time.Duration(v)*time.Microsecond)
		}
	}
	return res, nil
}

// wrkUncorrect undoes wrk 4's "coordinated omission" correction
// (stats_correct), which it applies before done() sees the histogram: for
// every measured latency n ≥ 2e it adds n's count at n−e, n−2e, … while the
// value is above e, where e = runtime / (requests / connections). That
// models an open-loop client; the bench's clients are closed loops, so the
// added samples are requests that never happened (about 14 % extra at 32
// connections). Corrections only flow from larger values to smaller ones,
// so walking down from the largest recovers the measured counts exactly.
func wrkUncorrect(hist map[int64]int64, e int64) map[int64]int64 {
	if e <= 0 {
		return hist
	}
	values := make([]int64, 0, len(hist))
	for v := range hist {
		values = append(values, v)
	}
	slices.Sort(values)
	added := map[int64]int64{}
	out := map[int64]int64{}
	for i := len(values) - 1; i >= 0; i-- {
		n := values[i]
		c := hist[n] - added[n]
		if c <= 0 {
			continue
		}
		out[n] = c
		if n >= 2*e {
			for m := n - e; m > e; m -= e {
				added[m] += c
			}
		}
	}
	return out
}
