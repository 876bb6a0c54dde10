// Package sandboxtest runs mocksandbox inside a Go test: each Start gives
// the test its own server on a random loopback port with its own in-memory
// database, seeded from the built-in fixture (or yours), and removes it when
// the test ends. Parallel tests each get an isolated sandbox.
//
//	func TestMyIntegration(t *testing.T) {
//		sb := sandboxtest.Start(t)
//		client := mypartnerclient.New(sb.URL, sb.Token)
//		...
//		sb.Reset() // back to the seed
//	}
package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

// TB is the part of testing.TB that Start needs.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Sandbox is a running mock.
type Sandbox struct {
	// URL is the base URL to point an SDK at (no trailing slash).
	URL string
	// Token is an App+User bearer token of the first fixture account that
	// has one ("mocksandbox-token" with the built-in fixture).
	Token string
	// AccountID is that account's tenant id.
	AccountID string

	http  *httptest.Server
	store *store.Store
}

type options struct {
	fixtures string
	seed     uint64
	strict   bool
}

// Option configures a sandbox.
type Option func(*options)

// WithFixtures seeds from a fixture file or directory instead of the
// built-in fixture.
func WithFixtures(path string) Option { return func(o *options) { o.fixtures = path } }

// WithSeed makes generated ids and passwords reproducible.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithStrictAuth accepts only mock-issued and fixture tokens.
func WithStrictAuth() Option { return func(o *options) { o.strict = true } }

// Start runs a sandbox for the test and closes it when the test ends.
func Start(t TB, opts ...Option) *Sandbox {
	t.Helper()
	sb, err := New(opts...)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// New runs a sandbox outside a test; Close it when done.
func New(opts ...Option) (*Sandbox, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	seed, err := fixtures.Default()
	if o.fixtures != "" {
		seed, err = fixtures.LoadPath(o.fixtures)
	}
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Seed: o.seed})
	if err != nil {
		return nil, err
	}
	if err := st.Seed(ctx, seed); err != nil {
		st.Close()
		return nil, err
	}
	srv, err := server.New(server.Config{Store: st, Logger: zerolog.Nop(), Version: "sandboxtest",
		Seed: seed, JournalSize: 1000, Strict: o.strict})
	if err != nil {
		st.Close()
		return nil, err
	}
	srv.MarkReady()
	sb := &Sandbox{http: httptest.NewServer(srv), store: st}
	sb.URL = sb.http.URL
	for _, a := range seed.Accounts {
		for _, tok := range a.Tokens {
			if sb.Token == "" && !tok.AppOnly && tok.ResellerID == "" {
				sb.Token, sb.AccountID = tok.Token, a.Account.ID
			}
		}
	}
	return sb, nil
}

// Close stops the server and drops its database.
func (sb *Sandbox) Close() {
	sb.http.Close()
	sb.store.Close()
}

// Reset puts the whole state back to the seed; with an account id, only
// that account.
func (sb *Sandbox) Reset(account ...string) error {
	path := "/_mock/reset"
	if len(account) > 0 {
		path += "?account=" + url.QueryEscape(account[0])
	}
	return sb.control(http.MethodPost, path, nil, nil)
}

// Snapshot saves the state under name.
func (sb *Sandbox) Snapshot(name string) error {
	return sb.control(http.MethodPost, "/_mock/snapshots/"+url.PathEscape(name), nil, nil)
}

// Restore puts the state back to the snapshot name.
func (sb *Sandbox) Restore(name string) error {
	return sb.control(http.MethodPost, "/_mock/snapshots/"+url.PathEscape(name)+"/restore", nil, nil)
}

// Request is one journaled request (GET /_mock/requests).
type Request struct {
	Time           string            `json:"time"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Query          string            `json:"query"`
	Status         int               `json:"status"`
	Account        string            `json:"account"`
	RequestID      string            `json:"requestId"`
	CorrelationID  string            `json:"correlationId"`
	DurationMs     float64           `json:"durationMs"`
	RequestHeaders map[string]string `json:"requestHeaders"`
	RequestBody    string            `json:"requestBody"`
	ResponseBody   string            `json:"responseBody"`
	Fault          string            `json:"fault"`
	Replayed       bool              `json:"replayed"`
}

// Requests lists journaled requests, newest first, filtered by the
// parameters of GET /_mock/requests (correlationId, requestId, account,
// path, status); nil lists all.
func (sb *Sandbox) Requests(filter url.Values) ([]Request, error) {
	var out struct {
		Items []Request `json:"items"`
	}
	err := sb.control(http.MethodGet, "/_mock/requests?"+filter.Encode(), nil, &out)
	return out.Items, err
}

// Fault is a fault rule (POST /_mock/faults).
type Fault struct {
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"` // glob; * is one segment
	Account    string `json:"account,omitempty"`
	Action     string `json:"action,omitempty"` // status (default with Status), delay, drop-after-commit
	Status     int    `json:"status,omitempty"`
	Code       int    `json:"code,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
	DelayMs    int    `json:"delayMs,omitempty"`
	Times      int    `json:"times,omitempty"` // 1-3 for status and drop-after-commit
}

// Fault adds a rule and returns its id.
func (sb *Sandbox) Fault(f Fault) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	err := sb.control(http.MethodPost, "/_mock/faults", f, &created)
	return created.ID, err
}

// control calls the control API and decodes a JSON answer into out.
func (sb *Sandbox) control(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, sb.URL+path, body)
	if err != nil {
		return err
	}
	resp, err := sb.http.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}
