package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Targets from the issue.
const (
	targetReady = 25 * time.Millisecond
	targetRSS   = 20 << 20
)

type report struct {
	args    []string
	machine machine
	bin     string
	build   time.Duration // 0 when -bin was given

	starts []start

	rssReady  int64 // load instance after ready (file database)
	load      []result
	rssLoaded int64
	hwmLoaded int64

	customers *customerReport

	total time.Duration
}

type machine struct {
	nproc              int
	cpu, kernel, goVer string
}

func describeMachine(ctx context.Context) machine {
	m := machine{nproc: runtime.NumCPU(), cpu: "unknown", kernel: "unknown", goVer: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
				m.cpu = strings.TrimSpace(value)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.goVer = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	return m
}

func (r *report) write(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }

	p("### Machine")
	p("")
	p("- CPU: %s, nproc %d", r.machine.cpu, r.machine.nproc)
	p("- Linux %s, %s", r.machine.kernel, r.machine.goVer)
	if r.build > 0 {
		p("- binary: built by the bench (`go build ./cmd/mocksandbox`, %s)", r.build.Round(time.Millisecond))
	} else {
		p("- binary: `%s`", r.bin)
	}
	p("")

	p("### Start-up (%d cold starts, in-memory database, default fixture)", len(r.starts))
	p("")
	var logLines, readies []time.Duration
	var rss []int64
	for _, s := range r.starts {
		logLines = append(logLines, s.logLine)
		readies = append(readies, s.ready)
		rss = append(rss, s.rss)
	}
	p("| figure | median | min | max | target | met |")
	p("|---|--:|--:|--:|--:|:-:|")
	p("| exec → start-up log line | %s | %s | %s | | |", ms(median(logLines)), ms(slices.Min(logLines)), ms(slices.Max(logLines)))
	p("| exec → first 200 of `GET /_mock/ready` | %s | %s | %s | ≤ %s | %s |",
		ms(median(readies)), ms(slices.Min(readies)), ms(slices.Max(readies)), ms(targetReady), yes(median(readies) <= targetReady))
	p("| idle RSS after ready | %s | %s | %s | ≤ %s | %s |",
		mib(median(rss)), mib(slices.Min(rss)), mib(slices.Max(rss)), mib(targetRSS), yes(median(rss) <= targetRSS))
	p("")

	p("### Load (one instance, temp-file `--db`, loopback, keep-alive)")
	p("")
	p("| operation | conns | requests | errors | p50 | p99 | throughput (req/s) |")
	p("|---|--:|--:|--:|--:|--:|--:|")
	for _, l := range r.load {
		p("| %s | %d | %d | %d | %s | %s | %.0f |", l.op, l.conns, l.requests(), l.errors,
			ms(percentile(l.latency, 50)), ms(percentile(l.latency, 99)), l.throughput())
	}
	p("")
	p("RSS of the load instance: %s after ready, %s after load (peak %s).", mib(r.rssReady), mib(r.rssLoaded), mib(r.hwmLoaded))
	p("")
	if r.customers != nil {
		r.customers.write(p)
	}
	p("Bench wall time: %s.", r.total.Round(100*time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

func (c *customerReport) write(p func(string, ...any)) {
	p("### Customers: small against large database (temp-file `--db`, one instance each)")
	p("")
	p("Each database is built in-process before its instance starts (`store.Open`, one `store.Seed`, `Close`).")
	p("Every account is a sandbox account with 2 live resellers; full accounts hold %d customers (2 of 3 with a reseller);", customersPerAccount)
	p("empty accounts only take the creates.")
	p("")
	p("| database | full accounts | customers | empty accounts | generate | `store.Seed` | open + seed + close | file |")
	p("|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, s := range c.seeding {
		p("| %s | %d | %d | %d | %s | %s | %s | %s |", s.name, s.accounts, s.customers, s.spares,
			ms(s.generate), ms(s.seed), ms(s.total), mib(s.fileBytes))
	}
	p("")
	p("p50 and p99 at 1 connection, throughput (req/s) at 8; ratios are large / small. Target for list and")
	p("filter: within %.1f× of the small database (p50 ratio ≤ %.2f, throughput ratio ≥ %.2f).", targetRatio, targetRatio, 1/targetRatio)
	p("")
	p("| operation | small p50 | small p99 | small req/s | large p50 | large p99 | large req/s | p50 ratio | req/s ratio | ≤ %.1f× |", targetRatio)
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|:-:|")
	for _, op := range c.ops {
		lat, thr := c.pairs[op][customerConns[0]], c.pairs[op][customerConns[len(customerConns)-1]]
		p50Ratio, thrRatio := c.ratios(op)
		met := ""
		if c.targeted[op] {
			met = yes(p50Ratio <= targetRatio && thrRatio >= 1/targetRatio)
		}
		p("| %s | %s | %s | %.0f | %s | %s | %.0f | %.2f× | %.2f× | %s |", op,
			ms(percentile(lat.small.latency, 50)), ms(percentile(lat.small.latency, 99)), thr.small.throughput(),
			ms(percentile(lat.large.latency, 50)), ms(percentile(lat.large.latency, 99)), thr.large.throughput(),
			p50Ratio, thrRatio, met)
	}
	p("")
	p("Every phase:")
	p("")
	p("| database | operation | conns | requests | errors | p50 | p99 | throughput (req/s) |")
	p("|---|---|--:|--:|--:|--:|--:|--:|")
	for _, op := range c.ops {
		for _, conns := range customerConns {
			pr := c.pairs[op][conns]
			for _, x := range []struct {
				db string
				r  result
			}{{"small", pr.small}, {"large", pr.large}} {
				p("| %s | %s | %d | %d | %d | %s | %s | %.0f |", x.db, op, conns, x.r.requests(), x.r.errors,
					ms(percentile(x.r.latency, 50)), ms(percentile(x.r.latency, 99)), x.r.throughput())
			}
		}
	}
	p("")
	p("Exec → first 200 of `/_mock/ready` on the seeded files: small %s, large %s.", ms(c.readySmall), ms(c.readyLarge))
	p("RSS after load: small %s (peak %s), large %s (peak %s).", mib(c.rssSmall), mib(c.hwmSmall), mib(c.rssLarge), mib(c.hwmLarge))
	p("")
}

// ratios are op's large/small p50 (at 1 connection) and throughput (at the
// most connections).
func (c *customerReport) ratios(op string) (p50, throughput float64) {
	lat, thr := c.pairs[op][customerConns[0]], c.pairs[op][customerConns[len(customerConns)-1]]
	return ratio(float64(percentile(lat.large.latency, 50)), float64(percentile(lat.small.latency, 50))),
		ratio(thr.large.throughput(), thr.small.throughput())
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
