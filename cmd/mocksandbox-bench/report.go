package main

import (
	"bufio"
	"cmp"
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

// Targets from the issue (2-core machine).
const (
	targetReady      = 25 * time.Millisecond
	targetIdleRSS    = 20 << 20
	targetLoadedRSS  = 40 << 20
	targetReadRatio  = 0.8 // GET throughput, mock / floor
	targetWriteRatio = 0.7 // create (and replay) throughput, mock / floor
	targetReadP99    = time.Millisecond
	targetWriteP99   = 5 * time.Millisecond
	targetLargeRatio = 1.5 // list and filter: large database within 1.5× of small
)

type report struct {
	args                  []string
	cfg                   config
	machine               machine
	mockBin, floorBin     string
	buildMock, buildFloor time.Duration // 0 when the binary was given
	driver                string
	loadStart, loadEnd    string // /proc/loadavg's 1, 5 and 15 minute figures

	starts    map[string][]start // by server
	databases []dbReport
	results   map[phaseKey]result
	memory    []memoryReport

	total time.Duration
}

type dbReport struct {
	name                  string
	full, customers       int
	accounts              int // every account, spares included (mock)
	mock, floor           seeding
	mockReady, floorReady time.Duration // exec → ready on the seeded file
	sizes                 sizes
}

type memoryReport struct {
	server, db          string
	ready, loaded, peak int64
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

var (
	readOps  = []string{opGet, opList, opFilter}
	writeOps = []string{opCreateCustomer, opCreateReseller, opReplay}
	allOps   = slices.Concat(readOps, writeOps)
)

// keys lists every measured phase in report order.
func (r *report) keys() []phaseKey {
	var keys []phaseKey
	for k := range r.results {
		keys = append(keys, k)
	}
	// Operations in report order, then connections; small before large and
	// mock before floor (both reverse alphabetical).
	slices.SortFunc(keys, func(a, b phaseKey) int {
		return cmp.Or(cmp.Compare(slices.Index(allOps, a.op), slices.Index(allOps, b.op)), cmp.Compare(a.conns, b.conns),
			cmp.Compare(b.db, a.db), cmp.Compare(b.server, a.server))
	})
	return keys
}

func (r *report) get(server, db, op string, conns int) result {
	return r.results[phaseKey{server, db, op, conns}]
}

// verdict is one line of the targets table.
type verdict struct {
	target, measured string
	met              bool
}

func (r *report) write(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	hi := connCounts[len(connCounts)-1]
	var verdicts []verdict
	judge := func(target, measured string, met bool) string {
		verdicts = append(verdicts, verdict{target, measured, met})
		return yes(met)
	}

	p("### Machine")
	p("")
	p("- CPU: %s, nproc %d", r.machine.cpu, r.machine.nproc)
	p("- Linux %s, %s", r.machine.kernel, r.machine.goVer)
	p("- load generator: %s", r.driver)
	if r.loadStart != "" {
		p("- load average (1, 5, 15 min; other jobs share this machine): %s at the start, %s at the end", r.loadStart, r.loadEnd)
	}
	p("- mock: %s; floor: %s", binary(r.mockBin, "./cmd/mocksandbox", r.buildMock), binary(r.floorBin, "./cmd/mocksandbox-bench/floor", r.buildFloor))
	p("- command: `%s`", strings.Join(append([]string{"go run ./cmd/mocksandbox-bench"}, r.args...), " "))
	p("")

	p("### Start-up (%d cold starts of each, alternating; in-memory database)", coldStarts)
	p("")
	p("| figure | mock median | mock min–max | floor median | floor min–max | mock / floor | target | met |")
	p("|---|--:|--:|--:|--:|--:|--:|:-:|")
	ready := func(s []start) []time.Duration {
		var v []time.Duration
		for _, x := range s {
			v = append(v, x.ready)
		}
		return v
	}
	rss := func(s []start) []int64 {
		var v []int64
		for _, x := range s {
			v = append(v, x.rss)
		}
		return v
	}
	mr, fr := ready(r.starts["mock"]), ready(r.starts["floor"])
	p("| exec → first 200 of `GET /_mock/ready` | %s | %s–%s | %s | %s–%s | %.2f× | ≤ %s | %s |",
		ms(median(mr)), ms(slices.Min(mr)), ms(slices.Max(mr)), ms(median(fr)), ms(slices.Min(fr)), ms(slices.Max(fr)),
		ratio(float64(median(mr)), float64(median(fr))), ms(targetReady),
		judge("ready ≤ "+ms(targetReady)+" (median)", ms(median(mr)), median(mr) <= targetReady))
	mm, fm := rss(r.starts["mock"]), rss(r.starts["floor"])
	p("| idle RSS after ready | %s | %s–%s | %s | %s–%s | %.2f× | ≤ %s | %s |",
		mib(median(mm)), mib(slices.Min(mm)), mib(slices.Max(mm)), mib(median(fm)), mib(slices.Min(fm)), mib(slices.Max(fm)),
		ratio(float64(median(mm)), float64(median(fm))), mib(targetIdleRSS),
		judge("idle RSS ≤ "+mib(targetIdleRSS)+" (median)", mib(median(mm)), median(mm) <= targetIdleRSS))
	p("")

	p("### Databases (temp files, WAL; one instance of each server per database)")
	p("")
	p("Every account is a sandbox account with a static App+User token. Full accounts have 2 resellers and 75 customers")
	p("(25 of each reseller, 25 direct). Both mock databases also hold the same spare accounts that take the creates")
	p("(no customers; 2 resellers, or none for the reseller creates). The floor has no limits and needs no spares.")
	p("")
	p("| database | full accounts | customers | mock accounts | mock: generate + `store.Seed` | mock file | floor: seed | floor file | ready on the file: mock / floor |")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, d := range r.databases {
		p("| %s | %d | %d | %d | %s + %s | %s | %s | %s | %s / %s |", d.name, d.full, d.customers, d.accounts,
			secs(d.mock.generate), secs(d.mock.seed), mib(d.mock.fileBytes), secs(d.floor.total), mib(d.floor.fileBytes),
			ms(d.mockReady), ms(d.floorReady))
	}
	p("")
	p("Body sizes of the mock's answers (bytes, means of the set-up samples), which the floor's answers copy:")
	p("")
	p("| database | GET customer | list item | list page (50) | filter page (25) | customer 201 | reseller 201 |")
	p("|---|--:|--:|--:|--:|--:|--:|")
	for _, d := range r.databases {
		s := d.sizes
		p("| %s | %d | %d | %d | %d | %d | %d |", d.name, s.doc, s.item, s.list, s.filter, s.customer, s.reseller)
	}
	p("")

	p("### Throughput at %d connections and server CPU (small database)", hi)
	p("")
	p("Throughput counts checked answers per second of the phase. CPU is the server's user + system time (`/proc/PID/stat`,")
	p("10 ms ticks) over the timed requests, divided by them. Ratios are mock / floor.")
	p("")
	p("| operation | mock req/s | floor req/s | mock / floor | target | met | mock CPU µs/req | floor CPU µs/req | mock / floor |")
	p("|---|--:|--:|--:|--:|:-:|--:|--:|--:|")
	for _, op := range allOps {
		m, f := r.get("mock", "small", op, hi), r.get("floor", "small", op, hi)
		want := targetReadRatio
		if slices.Contains(writeOps, op) {
			want = targetWriteRatio
		}
		got := ratio(m.throughput(), f.throughput())
		p("| %s | %.0f | %.0f | %.2f× | ≥ %.1f× | %s | %.0f | %.0f | %.2f× |", op, m.throughput(), f.throughput(), got, want,
			judge(fmt.Sprintf("%s: throughput ≥ %.1f× the floor", op, want), fmt.Sprintf("%.2f×", got), got >= want),
			us(m.cpuPerRequest()), us(f.cpuPerRequest()), ratio(float64(m.cpuPerRequest()), float64(f.cpuPerRequest())))
	}
	p("")

	p("### Latency (small database)")
	p("")
	p("From the request's first byte written to its answer's last byte read. The p99 targets apply to the mock at 1 connection.")
	p("")
	p("| operation | conns | mock p50 | floor p50 | mock p99 | floor p99 | p99 mock / floor | target | met |")
	p("|---|--:|--:|--:|--:|--:|--:|--:|:-:|")
	for _, op := range allOps {
		for _, c := range connCounts {
			m, f := r.get("mock", "small", op, c), r.get("floor", "small", op, c)
			mp99, fp99 := percentile(m.latency, 99), percentile(f.latency, 99)
			target, met := "", ""
			if c == 1 {
				want := targetReadP99
				if slices.Contains(writeOps, op) {
					want = targetWriteP99
				}
				target = "≤ " + ms(want)
				met = judge(fmt.Sprintf("%s: single-client p99 ≤ %s", op, ms(want)), ms(mp99), mp99 <= want)
			}
			p("| %s | %d | %s | %s | %s | %s | %.2f× | %s | %s |", op, c, ms(percentile(m.latency, 50)), ms(percentile(f.latency, 50)),
				ms(mp99), ms(fp99), ratio(float64(mp99), float64(fp99)), target, met)
		}
	}
	p("")

	if len(r.databases) == 2 {
		large := r.databases[1]
		p("### Large database (%d accounts × %d customers) against small (%d × %d)", large.full, customersPerAccount, smallAccounts, customersPerAccount)
		p("")
		p("p50 at 1 connection, throughput at %d; ratios are large / small. Target for the mock's list and filter: within", hi)
		p("%.1f× (p50 ratio ≤ %.2f and throughput ratio ≥ %.2f).", targetLargeRatio, targetLargeRatio, 1/targetLargeRatio)
		p("")
		p("| operation | server | small p50 | large p50 | p50 ratio | small req/s | large req/s | req/s ratio | ≤ %.1f× |", targetLargeRatio)
		p("|---|---|--:|--:|--:|--:|--:|--:|:-:|")
		for _, op := range readOps {
			for _, server := range []string{"mock", "floor"} {
				sl, ll := r.get(server, "small", op, 1), r.get(server, "large", op, 1)
				st, lt := r.get(server, "small", op, hi), r.get(server, "large", op, hi)
				p50 := ratio(float64(percentile(ll.latency, 50)), float64(percentile(sl.latency, 50)))
				thr := ratio(lt.throughput(), st.throughput())
				met := ""
				if server == "mock" && op != opGet {
					met = judge(fmt.Sprintf("%s: large database within %.1f× of small", op, targetLargeRatio),
						fmt.Sprintf("p50 %.2f×, throughput %.2f×", p50, thr), p50 <= targetLargeRatio && thr >= 1/targetLargeRatio)
				}
				p("| %s | %s | %s | %s | %.2f× | %.0f | %.0f | %.2f× | %s |", op, server,
					ms(percentile(sl.latency, 50)), ms(percentile(ll.latency, 50)), p50, st.throughput(), lt.throughput(), thr, met)
			}
		}
		p("")
	}

	p("### Memory (RSS of the load instances)")
	p("")
	p("| server | database | after ready | after load | peak | target | met |")
	p("|---|---|--:|--:|--:|--:|:-:|")
	for _, m := range r.memory {
		target, met := "", ""
		if m.server == "mock" {
			target = "≤ " + mib(targetLoadedRSS)
			met = judge(fmt.Sprintf("RSS after load ≤ %s (%s database)", mib(targetLoadedRSS), m.db), mib(m.loaded), m.loaded <= targetLoadedRSS)
		}
		p("| %s | %s | %s | %s | %s | %s | %s |", m.server, m.db, mib(m.ready), mib(m.loaded), mib(m.peak), target, met)
	}
	p("")

	p("### Targets")
	p("")
	p("| target | measured (mock) | met |")
	p("|---|--:|:-:|")
	for _, v := range verdicts {
		p("| %s | %s | %s |", v.target, v.measured, yes(v.met))
	}
	p("")

	p("### Every phase")
	p("")
	p("Each phase ran in two halves, in turn with the other instances (first half in one order, second in reverse).")
	p("")
	p("| server | database | operation | conns | requests | errors | p50 | p99 | req/s | CPU µs/req | body bytes |")
	p("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, k := range r.keys() {
		x := r.results[k]
		p("| %s | %s | %s | %d | %d | %d | %s | %s | %.0f | %.0f | %.0f |", k.server, k.db, k.op, k.conns, x.requests(), x.errors,
			ms(percentile(x.latency, 50)), ms(percentile(x.latency, 99)), x.throughput(), us(x.cpuPerRequest()), x.meanBodyBytes())
	}
	p("")
	p("Bench wall time: %s.", r.total.Round(time.Second))
	_, err := io.WriteString(w, b.String())
	return err
}

// loadAverage is the 1, 5 and 15 minute load averages, or "" if unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return ""
}

func binary(path, pkg string, built time.Duration) string {
	if built > 0 {
		return fmt.Sprintf("built by the bench (`go build %s`, %s)", pkg, built.Round(100*time.Millisecond))
	}
	return "`" + path + "`"
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
