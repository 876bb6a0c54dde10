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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Time bounds for the process tests: generous for a loaded CI machine, but
// every wait ends.
const (
	startTimeout = 20 * time.Second // process start → listening line and ready
	exitTimeout  = 10 * time.Second // signal → exit (SIGTERM has its own 2 s check)
)

// fixtureToken is the App+User static token of the embedded default fixture.
const fixtureToken = "mocksandbox-token"

var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// mocksandboxBinary builds ./cmd/mocksandbox once per test binary, with a
// plain go build, and returns its path.
func mocksandboxBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "mocksandbox-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "mocksandbox")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", binary.path, ".").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// hermeticEnv is the test process's environment without MOCKSANDBOX_*
// variables, so a developer's settings cannot leak into a child.
func hermeticEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOCKSANDBOX_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// logLines collects a child's output line by line and reports the bound
// address of the start-up line ("mocksandbox listening") once.
type logLines struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	addr    chan string
	sent    bool
}

func newLogLines() *logLines { return &logLines{addr: make(chan string, 1)} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		l.partial = l.partial[i+1:]
		var entry struct {
			Message string `json:"message"`
			Addr    string `json:"addr"`
		}
		if !l.sent && json.Unmarshal(line, &entry) == nil && entry.Message == "mocksandbox listening" && entry.Addr != "" {
			l.addr <- entry.Addr
			l.sent = true
		}
	}
	return len(p), nil
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// proc is a running mocksandbox process.
type proc struct {
	cmd    *exec.Cmd
	stderr *logLines
	stdout *logLines
	addr   string // bound address from the start-up line
	url    string // http://addr
	exited chan struct{}
	err    error // cmd.Wait's result, set before exited closes
}

// startMock starts the built binary with --addr 127.0.0.1:0 --log-format
// json and args, learns the bound address from the start-up line and polls
// /_mock/ready. The process is killed at cleanup if still running.
func startMock(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(mocksandboxBinary(t), append([]string{"--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = hermeticEnv()
	return startProc(t, cmd)
}

// startProc starts cmd (whose output it takes over) and waits until it
// listens and is ready.
func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, stderr: newLogLines(), stdout: newLogLines(), exited: make(chan struct{})}
	cmd.Stderr, cmd.Stdout = p.stderr, p.stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("mocksandbox stderr:\n%s", p.stderr)
		}
	})

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	select {
	case p.addr = <-p.stderr.addr:
	case <-p.exited:
		t.Fatalf("mocksandbox exited before listening (%v); stderr:\n%s", p.err, p.stderr)
	case <-deadline.C:
		t.Fatalf("no start-up line within %s; stderr:\n%s", startTimeout, p.stderr)
	}
	p.url = "http://" + p.addr
	waitReady(t, p.url, p.exited)
	return p
}

// waitReady polls GET /_mock/ready until it answers 200.
func waitReady(t *testing.T, baseURL string, exited <-chan struct{}) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/_mock/ready", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-tick.C:
		case <-exited:
			t.Fatalf("mocksandbox exited while waiting for %s/_mock/ready", baseURL)
		case <-ctx.Done():
			t.Fatalf("%s/_mock/ready did not answer 200 within %s (last: %v)", baseURL, startTimeout, err)
		}
	}
}

// signal sends sig and waits for the process to exit. It returns the exit
// code (-1 when killed by a signal) and how long the exit took.
func (p *proc) signal(t *testing.T, sig os.Signal) (code int, took time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.exited:
	case <-time.After(exitTimeout):
		t.Fatalf("mocksandbox did not exit within %s of %v; stderr:\n%s", exitTimeout, sig, p.stderr)
	}
	took = time.Since(start)
	var exitErr *exec.ExitError
	switch {
	case p.err == nil:
		return 0, took
	case errors.As(p.err, &exitErr):
		return exitErr.ExitCode(), took
	}
	t.Fatalf("wait: %v", p.err)
	return 0, took
}

// stop sends SIGTERM and requires a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if code, _ := p.signal(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", code, p.stderr)
	}
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// resellerBody is the documented create request (SPEC §3.1, Microsoft's
// "Create Indirect Reseller in Sandbox" example) with its own domain prefix.
func resellerBody(domainPrefix string) []byte {
	return []byte(`{
    "mpnId": "6363276",
    "tenant": {
        "domainPrefix": "` + domainPrefix + `",
        "name": "` + domainPrefix + `",
        "displayName": "` + domainPrefix + `",
        "adminUserName": "admin",
        "adminFirstName": "TipIRIntTest705",
        "adminLastName": "TipIRIntTest705",
        "adminAlternateEmail": "TipIRIntTest705@test.com",
        "country": "US",
        "culture": "en-us"
    },
    "legalBusinessProfile": {
        "companyName": "` + domainPrefix + `",
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
}`)
}

// pcRequest is one Partner Center call with the headers a client sends.
type pcRequest struct {
	method    string
	path      string
	token     string
	body      []byte
	requestID string // "" → a new GUID
}

func (r pcRequest) build(ctx context.Context, baseURL string) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, baseURL+r.path, body)
	if err != nil {
		return nil, err
	}
	requestID := r.requestID
	if requestID == "" {
		requestID = uuid.NewString()
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header["MS-RequestId"] = []string{requestID}
	req.Header["MS-CorrelationId"] = []string{uuid.NewString()}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

type pcResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends r and fails the test on a transport error.
func do(t *testing.T, baseURL string, r pcRequest) pcResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := r.build(ctx, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	return pcResponse{resp.StatusCode, resp.Header, body}
}

// createdResellerID reads accountId from a 201 reseller create body.
func createdResellerID(t *testing.T, body []byte) string {
	t.Helper()
	var created struct {
		AccountID string `json:"accountId"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.AccountID == "" {
		t.Fatalf("reseller create body has no accountId (%v): %s", err, body)
	}
	return created.AccountID
}

// getJSON GETs path and decodes its 200 answer into into.
func getJSON(t *testing.T, baseURL, token, path string, into any) {
	t.Helper()
	resp := do(t, baseURL, pcRequest{method: http.MethodGet, path: path, token: token})
	if resp.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
	}
	if err := json.Unmarshal(resp.body, into); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, resp.body)
	}
}

// listResellerIDs is GET /v1/relationships for the caller's indirect
// resellers, as ids in the order listed.
func listResellerIDs(t *testing.T, baseURL, token string) []string {
	t.Helper()
	var list struct {
		TotalCount int `json:"totalCount"`
		Items      []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	getJSON(t, baseURL, token, "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", &list)
	if list.TotalCount != len(list.Items) {
		t.Errorf("GET /v1/relationships: totalCount %d, but %d items", list.TotalCount, len(list.Items))
	}
	ids := make([]string, len(list.Items))
	for i, it := range list.Items {
		ids[i] = it.ID
	}
	return ids
}
