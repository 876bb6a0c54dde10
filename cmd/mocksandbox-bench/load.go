package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// operation is one kind of request the load loop sends.
type operation struct {
	name string
	// request builds the next request (outside the timed part).
	request func(ctx context.Context) (*http.Request, error)
	// check says what is wrong with an answer, or nil.
	check func(resp *http.Response, body []byte) error
}

// result is one measured phase: an operation at a number of connections.
type result struct {
	op       string
	conns    int
	latency  []time.Duration // sorted
	elapsed  time.Duration
	errors   int
	firstErr error
}

func (r result) requests() int { return len(r.latency) + r.errors }

func (r result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.latency)) / r.elapsed.Seconds()
}

// percentile is the nearest-rank percentile p (0–100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
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

// warmupsPerConn is how many untimed requests measure sends per connection
// before it starts timing.
const warmupsPerConn = 5

// measure runs op on conns workers sharing one keep-alive client, after a
// short untimed warm-up that opens the connections. It stops after maxN
// timed requests or maxDur, whichever comes first.
func measure(ctx context.Context, op operation, conns, maxN int, maxDur time.Duration) result {
	client := newClient(conns)
	defer client.CloseIdleConnections()
	warm := loop(ctx, client, op, conns, warmupsPerConn*conns, 2*time.Second)
	res := loop(ctx, client, op, conns, maxN, maxDur)
	res.errors += warm.errors
	if res.firstErr == nil {
		res.firstErr = warm.firstErr
	}
	return res
}

func loop(ctx context.Context, client *http.Client, op operation, conns, maxN int, maxDur time.Duration) result {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		errCount int
		firstErr error
	)
	latencies := make([][]time.Duration, conns)
	deadline := time.Now().Add(maxDur)
	start := time.Now()
	for w := range conns {
		wg.Go(func() {
			for next.Add(1) <= int64(maxN) && time.Now().Before(deadline) && ctx.Err() == nil {
				d, err := once(ctx, client, op)
				if err != nil {
					mu.Lock()
					errCount++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				latencies[w] = append(latencies[w], d)
			}
		})
	}
	wg.Wait()
	res := result{op: op.name, conns: conns, elapsed: time.Since(start), errors: errCount, firstErr: firstErr}
	res.latency = slices.Concat(latencies...)
	slices.Sort(res.latency)
	return res
}

// once sends one request and times it from send to the last body byte.
func once(ctx context.Context, client *http.Client, op operation) (time.Duration, error) {
	req, err := op.request(ctx)
	if err != nil {
		return 0, err
	}
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t)
	if err != nil {
		return 0, err
	}
	if err := op.check(resp, body); err != nil {
		return 0, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return d, nil
}

// resellerBody is the documented create request (SPEC §3.1, the Partner
// Center "Create Indirect Reseller in Sandbox" example) with the domain
// prefix and names replaced by %[1]s.
const resellerBody = `{
    "mpnId": "6363276",
    "tenant": {
        "domainPrefix": "%[1]s",
        "name": "%[1]s",
        "displayName": "%[1]s",
        "adminUserName": "admin",
        "adminFirstName": "%[1]s",
        "adminLastName": "%[1]s",
        "adminAlternateEmail": "%[1]s@test.com",
        "country": "US",
        "culture": "en-us"
    },
    "legalBusinessProfile": {
        "companyName": "%[1]s",
        "address": {
            "country": "FR",
            "city": "Issy-les-Moulineaux",
            "state": "",
            "addressLine1": "39-41 quai du Président Roosevelt",
            "addressLine2": "",
            "postalCode": "92130"
        },
        "primaryContact": {
            "firstName": "Sandbox",
            "lastName": "Scenario",
            "email": "Sandbox.Scenario@test.com",
            "phoneNumber": "1234567890"
        },
        "culture": "en-US"
    },
    "organizationProfileLanguage": "en"
}`

// workload builds the requests of one run against base. Tokens and domain
// prefixes carry runID, so they are unique in the database.
type workload struct {
	base  string
	runID string // 8 hex digits
	seq   atomic.Int64
}

// fresh returns a number no other request of this run uses.
func (wl *workload) fresh() int64 { return wl.seq.Add(1) }

// token is a bearer string of its own: permissive auth makes it a new
// sandbox account on first use.
func (wl *workload) token(n int64) string { return fmt.Sprintf("bench-%s-%d", wl.runID, n) }

// prefix is a domain prefix no one holds (letters and digits, ≤ 27).
func (wl *workload) prefix(n int64) string { return fmt.Sprintf("b%s%d", wl.runID, n) }

func (wl *workload) createRequest(ctx context.Context, token, requestID string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wl.base+"/v1/sandboxIndirectReseller", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	// Assigned directly to keep Partner Center's header spelling on the wire.
	req.Header["Authorization"] = []string{"Bearer " + token}
	req.Header["MS-RequestId"] = []string{requestID}
	req.Header["MS-CorrelationId"] = []string{uuid.NewString()}
	req.Header["Content-Type"] = []string{"application/json"}
	return req, nil
}

func checkCreated(resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("want 201, got %s: %.300s", resp.Status, body)
	}
	if resp.Header.Get("X-Mocksandbox-Replayed") != "" {
		return errors.New("a first create came back as a replay (X-Mocksandbox-Replayed)")
	}
	if !bytes.Contains(body, []byte(`"accountId"`)) {
		return fmt.Errorf("201 without accountId: %.300s", body)
	}
	return nil
}

// create posts a new reseller with a token of its own per request, so
// every request inserts an account and a reseller.
func (wl *workload) create() operation {
	return operation{
		name: "create reseller (new token each)",
		request: func(ctx context.Context) (*http.Request, error) {
			n := wl.fresh()
			body := fmt.Appendf(nil, resellerBody, wl.prefix(n))
			return wl.createRequest(ctx, wl.token(n), uuid.NewString(), body)
		},
		check: checkCreated,
	}
}

// replay creates one reseller, then re-sends that exact request (same
// token, MS-RequestId and body; a fresh MS-CorrelationId).
func (wl *workload) replay(ctx context.Context) (operation, error) {
	n := wl.fresh()
	token, requestID := wl.token(n), uuid.NewString()
	body := fmt.Appendf(nil, resellerBody, wl.prefix(n))
	first, err := wl.createRequest(ctx, token, requestID, body)
	if err != nil {
		return operation{}, err
	}
	if err := setupRequest(first, checkCreated); err != nil {
		return operation{}, fmt.Errorf("set up replay: %w", err)
	}
	return operation{
		name: "idempotent replay",
		request: func(ctx context.Context) (*http.Request, error) {
			return wl.createRequest(ctx, token, requestID, body)
		},
		check: func(resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("want 201, got %s: %.300s", resp.Status, body)
			}
			if got := resp.Header.Get("X-Mocksandbox-Replayed"); got != "true" {
				return fmt.Errorf("want X-Mocksandbox-Replayed: true, got %q", got)
			}
			return nil
		},
	}, nil
}

// list fills one account with 5 resellers (its limit), checks the list
// holds them, and lists its relationships.
func (wl *workload) list(ctx context.Context) (operation, error) {
	token := wl.token(wl.fresh())
	for range 5 {
		body := fmt.Appendf(nil, resellerBody, wl.prefix(wl.fresh()))
		req, err := wl.createRequest(ctx, token, uuid.NewString(), body)
		if err != nil {
			return operation{}, err
		}
		if err := setupRequest(req, checkCreated); err != nil {
			return operation{}, fmt.Errorf("set up list: %w", err)
		}
	}
	newRequest := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			wl.base+"/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", nil)
		if err != nil {
			return nil, err
		}
		req.Header["Authorization"] = []string{"Bearer " + token}
		req.Header["MS-RequestId"] = []string{uuid.NewString()}
		req.Header["MS-CorrelationId"] = []string{uuid.NewString()}
		return req, nil
	}
	checkOK := func(resp *http.Response, body []byte) error {
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("want 200, got %s: %.300s", resp.Status, body)
		}
		return nil
	}
	req, err := newRequest(ctx)
	if err != nil {
		return operation{}, err
	}
	err = setupRequest(req, func(resp *http.Response, body []byte) error {
		if err := checkOK(resp, body); err != nil {
			return err
		}
		var c struct {
			TotalCount int               `json:"totalCount"`
			Items      []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &c); err != nil {
			return err
		}
		if c.TotalCount != 5 || len(c.Items) != 5 {
			return fmt.Errorf("want 5 relationships, got totalCount %d with %d items", c.TotalCount, len(c.Items))
		}
		return nil
	})
	if err != nil {
		return operation{}, fmt.Errorf("set up list: %w", err)
	}
	return operation{name: "list relationships (5 resellers)", request: newRequest, check: checkOK}, nil
}

// setupRequest sends one untimed request and checks its answer.
func setupRequest(req *http.Request, check func(*http.Response, []byte) error) error {
	client := newClient(1)
	defer client.CloseIdleConnections()
	_, err := once(req.Context(), client, operation{
		request: func(context.Context) (*http.Request, error) { return req, nil },
		check:   check,
	})
	return err
}
