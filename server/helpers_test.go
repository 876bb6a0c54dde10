package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/limits"
	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

const (
	defaultToken = "mocksandbox-token"     // App+User token of the default fixture
	appOnlyToken = "mocksandbox-app-token" // app-only token of the default fixture
	primaryToken = "primary-token"         // App+User token of the test's primary account
	defaultAcct  = "c0ffee00-0000-4000-8000-000000000001"
	defaultApp   = "c0ffee00-0000-4000-8000-0000000000a1"
	defaultKey   = "mocksandbox-app-key"
	defaultUser  = "admin@contososandbox.onmicrosoft.com"
	defaultPass  = "Mocksandbox-Passw0rd!"
	defaultOID   = "c0ffee00-0000-4000-8000-0000000000b1"
	primaryApp   = "a1a1a1a1-0000-4000-8000-0000000000a1"
)

// mock is a real server on a temp-file database, reached over real HTTP.
type mock struct {
	t     *testing.T
	URL   string
	store *store.Store
}

type option func(*server.Config)

func lenient(c *server.Config) { c.Idempotency = store.Lenient }

func maxBody(n int64) option { return func(c *server.Config) { c.MaxBody = n } }

func strict(c *server.Config) { c.Strict = true }

func adminToken(tok string) option { return func(c *server.Config) { c.AdminToken = tok } }

// seedReseller adds a reseller to the default account's seed.
func seedReseller(id, prefix string) option {
	return func(c *server.Config) {
		c.Seed.Accounts[0].Resellers = append(c.Seed.Accounts[0].Resellers, store.Reseller{
			ID: id, MpnID: "1234567", DomainPrefix: prefix, Name: "Seeded Reseller", Country: "US", AdminUserName: "admin"})
	}
}

func journalSize(n int) option { return func(c *server.Config) { c.JournalSize = n } }

// clock makes the server read the time from *now.
func clock(now *time.Time) option {
	return func(c *server.Config) { c.Now = func() time.Time { return *now } }
}

// newMock starts a mock seeded with the default fixture plus a primary account.
func newMock(t *testing.T, opts ...option) *mock {
	t.Helper()
	seed, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	seed.Accounts = append(seed.Accounts, primaryAccount())
	cfg := server.Config{Logger: zerolog.New(io.Discard), Version: "test", Seed: seed, JournalSize: 100}
	for _, o := range opts {
		o(&cfg)
	}
	// The store reads the same clock as the server (the NCE cancel window).
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(t.TempDir(), "mock.db"), Now: cfg.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store = st
	if err := st.Seed(context.Background(), cfg.Seed); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkReady()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &mock{t: t, URL: hs.URL, store: st}
}

func primaryAccount() store.AccountSeed {
	const id = "a1a1a1a1-0000-4000-8000-000000000001"
	return store.AccountSeed{
		Account: store.Account{ID: id, Name: "Fabrikam Primary", Domain: "fabrikam.onmicrosoft.com",
			Kind: store.Primary, MpnID: "7654321", Country: "US", Limits: limits.PrimaryDefaults()},
		Apps:   []store.App{{AppID: primaryApp, Key: "primary-key"}},
		Users:  []store.User{{UPN: "admin@fabrikam.onmicrosoft.com", Password: "primary-pass", ObjectID: uuid.NewString()}},
		Tokens: []store.Token{{Token: primaryToken, UserUPN: "admin@fabrikam.onmicrosoft.com"}},
	}
}

// call is one request as the Java SDK sends it (CLIENT-WIRE.md), unless
// headers override: an empty value removes a header.
type call struct {
	method, path string
	token        string
	body         []byte
	headers      map[string]string
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (m *mock) do(c call) reply {
	m.t.Helper()
	req, err := http.NewRequest(c.method, m.URL+c.path, bytes.NewReader(c.body))
	if err != nil {
		m.t.Fatal(err)
	}
	h := map[string]string{
		"Authorization":           "Bearer " + c.token,
		"MS-CorrelationId":        uuid.NewString(),
		"MS-RequestId":            uuid.NewString(),
		"x-ms-client-request-id":  uuid.NewString(),
		"MS-PartnerCenter-Client": "Partner Center Java SDK",
		"MS-Contract-Version":     "v1",
		"MS-SdkVersion":           "1.15.4",
		"X-Locale":                "en-US",
		"Accept":                  "application/json",
		"User-Agent":              "AutoRest-Java",
	}
	if c.token == "" {
		delete(h, "Authorization")
	}
	if c.body != nil {
		h["Content-Type"] = "application/json; charset=utf-8"
	}
	for k, v := range c.headers {
		h[k] = v
	}
	for k, v := range h {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	// Errorf, not Fatal: do also runs on goroutines of concurrent tests.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Errorf("%s %s: %v", c.method, c.path, err)
		return reply{status: -1, header: http.Header{}}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Errorf("%s %s: reading the body: %v", c.method, c.path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// concurrently runs fn(0..n-1) on n goroutines released at once.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// testdata reads a file of testdata.
func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resellerBody is the documented create body with another domain prefix
// (and optionally other changes applied to its decoded form).
func resellerBody(t *testing.T, prefix string, edits ...func(map[string]any)) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(testdata(t, "reseller-create-request.json"), &v); err != nil {
		t.Fatal(err)
	}
	v["tenant"].(map[string]any)["domainPrefix"] = prefix
	for _, e := range edits {
		e(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (m *mock) createReseller(token, prefix string) reply {
	m.t.Helper()
	return m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: token, body: resellerBody(m.t, prefix)})
}

// mustCreateReseller creates a reseller and returns its tenant id.
func (m *mock) mustCreateReseller(token, prefix string) string {
	m.t.Helper()
	r := m.createReseller(token, prefix)
	if r.status != http.StatusCreated {
		m.t.Fatalf("create reseller %s: %d %s", prefix, r.status, r.body)
	}
	return r.json()["accountId"].(string)
}

func (m *mock) deleteReseller(token, id string) reply {
	m.t.Helper()
	return m.do(call{method: "DELETE", path: "/v1/sandboxIndirectReseller/" + id, token: token,
		headers: map[string]string{"Content-Length": "0"}})
}

// resellerIDs lists the ids GET /v1/relationships returns for token.
func (m *mock) resellerIDs(token, relType string) []string {
	m.t.Helper()
	r := m.do(call{method: "GET", path: "/v1/relationships?relationship_type=" + relType, token: token})
	if r.status != http.StatusOK {
		m.t.Fatalf("list relationships: %d %s", r.status, r.body)
	}
	var ids []string
	for _, it := range r.json()["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

func (r reply) json() map[string]any {
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		panic("response is not a JSON object: " + string(r.body))
	}
	return v
}

// wantError checks a Partner Center error body: status, code, and words
// the description must contain.
func wantError(t *testing.T, r reply, status, code int, words ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var e struct {
		Code        *int            `json:"code"`
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Source      string          `json:"source"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", r.body)
	}
	if e.Code == nil || *e.Code != code {
		t.Errorf("code = %v, want %d; body %s", e.Code, code, r.body)
	}
	if string(e.Data) != "[]" || (e.Source != "PartnerFD" && e.Source != "mocksandbox") {
		t.Errorf("error body shape: %s", r.body)
	}
	for _, w := range words {
		if !strings.Contains(e.Description, w) {
			t.Errorf("description %q does not mention %q", e.Description, w)
		}
	}
}
