package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// request is one HTTP request of an operation, whichever load generator
// sends it. Every request carries a bearer token, MS-RequestId and
// MS-CorrelationId; one with a body is JSON.
type request struct {
	method, path  string
	token         string
	requestID     string
	correlationID string
	body          []byte // nil for a GET
}

// expect is what every answer to an operation must be.
type expect struct {
	status int
	// replayed: X-Mocksandbox-Replayed: true is required; otherwise the
	// header must be absent.
	replayed bool
	contains string // must occur in the body ("" for no check)
}

func (e expect) check(status int, replayed string, body []byte) error {
	switch {
	case status != e.status:
		return fmt.Errorf("want %d, got %d: %.300s", e.status, status, body)
	case e.replayed && replayed != "true":
		return fmt.Errorf("want X-Mocksandbox-Replayed: true, got %q", replayed)
	case !e.replayed && replayed != "":
		return errors.New("a first create came back as a replay (X-Mocksandbox-Replayed)")
	case e.contains != "" && !bytes.Contains(body, []byte(e.contains)):
		return fmt.Errorf("no %s in the body: %.300s", e.contains, body)
	}
	return nil
}

// opClass says which targets an operation has.
type opClass int

const (
	readOp  opClass = iota // GETs: ≥ 0.8× the floor, single-client p99 ≤ 1 ms
	writeOp                // creates and the replay: ≥ 0.7× the floor, p99 ≤ 5 ms
)

// operation is one kind of request against one server. build returns the
// k-th request (k = 0, 1, …); take hands out k so that no two requests of
// a run are the same one (creates need fresh domains and request ids).
type operation struct {
	name  string
	class opClass
	build func(k int64) request
	want  expect
	next  atomic.Int64
}

// take reserves n consecutive values of k and returns the first.
func (op *operation) take(n int64) int64 { return op.next.Add(n) - n }

// result is one measured phase: an operation on one server at a number of
// connections (or half of one, see measureSet).
type result struct {
	latency   []time.Duration // sorted, one per answer
	elapsed   time.Duration   // first request sent → last answer read
	ok        int             // answers that passed the check
	errors    int             // wrong answers and failed requests
	firstErr  error
	bodyBytes int64         // summed over the answers
	cpu       time.Duration // server CPU (user + system) during the phase
}

func (r result) requests() int { return r.ok + r.errors }

func (r result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// cpuPerRequest is the server's CPU time per answered request.
func (r result) cpuPerRequest() time.Duration {
	if r.ok == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.ok)
}

func (r result) meanBodyBytes() float64 {
	if n := len(r.latency); n > 0 {
		return float64(r.bodyBytes) / float64(n)
	}
	return 0
}

// merge joins two measurements of one phase.
func merge(a, b result) result {
	r := result{elapsed: a.elapsed + b.elapsed, ok: a.ok + b.ok, errors: a.errors + b.errors, firstErr: a.firstErr,
		bodyBytes: a.bodyBytes + b.bodyBytes, cpu: a.cpu + b.cpu}
	if r.firstErr == nil {
		r.firstErr = b.firstErr
	}
	r.latency = slices.Concat(a.latency, b.latency)
	slices.Sort(r.latency)
	return r
}

// percentile is the nearest-rank percentile p (0–100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

// driver is a load generator. run sends op's requests to in over conns
// keep-alive connections and stops after count requests or maxDur,
// whichever comes first.
type driver interface {
	name() string
	run(ctx context.Context, in *instance, op *operation, conns, count int, maxDur time.Duration) (result, error)
}

// goDriver is the bench's own load loop: Go net/http clients, one
// goroutine per connection, latency from send to the last body byte.
type goDriver struct {
	why string // why not wrk
}

func (d goDriver) name() string { return "the bench's Go net/http loop (" + d.why + ")" }

func (goDriver) run(ctx context.Context, in *instance, op *operation, conns, count int, maxDur time.Duration) (result, error) {
	client := newClient(conns)
	defer client.CloseIdleConnections()
	base := in.baseURL()
	var (
		started  atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		res      result
		perConns = make([][]time.Duration, conns)
	)
	deadline := time.Now().Add(maxDur)
	begin := time.Now()
	for w := range conns {
		wg.Go(func() {
			for started.Add(1) <= int64(count) && time.Now().Before(deadline) && ctx.Err() == nil {
				d, n, err := send(ctx, client, base, op.build(op.take(1)), op.want)
				mu.Lock()
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					res.ok++
					res.bodyBytes += int64(n)
				}
				mu.Unlock()
				if err == nil {
					perConns[w] = append(perConns[w], d)
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(begin)
	res.latency = slices.Concat(perConns...)
	slices.Sort(res.latency)
	return res, ctx.Err()
}

// send sends one request and times it from send to the last body byte. It
// returns the body's size.
func send(ctx context.Context, client *http.Client, base string, r request, want expect) (time.Duration, int, error) {
	req, err := httpRequest(ctx, base, r)
	if err != nil {
		return 0, 0, err
	}
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t)
	if err != nil {
		return 0, 0, err
	}
	if err := want.check(resp.StatusCode, resp.Header.Get("X-Mocksandbox-Replayed"), body); err != nil {
		return 0, 0, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	return d, len(body), nil
}

func httpRequest(ctx context.Context, base string, r request) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
	if err != nil {
		return nil, err
	}
	// Assigned directly to keep Partner Center's header spelling on the wire.
	req.Header["Authorization"] = []string{"Bearer " + r.token}
	req.Header["MS-RequestId"] = []string{r.requestID}
	req.Header["MS-CorrelationId"] = []string{r.correlationID}
	if r.body != nil {
		req.Header["Content-Type"] = []string{"application/json"}
	} else {
		req.Header["Accept"] = []string{"application/json"}
	}
	return req, nil
}

// do sends one untimed set-up request and returns the answer.
func do(ctx context.Context, base string, r request) (status int, header http.Header, body []byte, err error) {
	client := newClient(1)
	defer client.CloseIdleConnections()
	req, err := httpRequest(ctx, base, r)
	if err != nil {
		return 0, nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// doExpect is do, checked against want.
func doExpect(ctx context.Context, base string, r request, want expect) ([]byte, error) {
	status, h, body, err := do(ctx, base, r)
	if err == nil {
		err = want.check(status, h.Get("X-Mocksandbox-Replayed"), body)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	return body, nil
}

// newClient returns a keep-alive client that opens at most conns
// connections, to 127.0.0.1 only, and never uses a proxy.
func newClient(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil || host != "127.0.0.1" {
					return nil, fmt.Errorf("refusing to dial %s: the bench talks to 127.0.0.1 only", addr)
				}
				return dialer.DialContext(ctx, network, addr)
			},
			MaxConnsPerHost:     conns,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// newIDs returns a fresh MS-RequestId and MS-CorrelationId.
func newIDs() (string, string) { return uuid.NewString(), uuid.NewString() }
