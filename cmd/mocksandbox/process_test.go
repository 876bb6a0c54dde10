package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/mattn/go-sqlite3" // PRAGMA integrity_check on the file the process left
)

// runHealthcheck runs `mocksandbox healthcheck` with args and env and
// returns its exit code and output.
func runHealthcheck(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mocksandboxBinary(t), append([]string{"healthcheck"}, args...)...)
	cmd.Env = hermeticEnv(env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("healthcheck %q did not finish within 10s", args)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("healthcheck %q: %v", args, err)
	}
	return 0, string(out)
}

func TestHealthcheckSubcommand(t *testing.T) {
	t.Parallel()
	p := startMock(t)
	_, port, _ := strings.Cut(p.addr, ":")

	t.Run("exits 0 against the running server", func(t *testing.T) {
		if code, out := runHealthcheck(t, nil, "--addr", p.addr); code != 0 {
			t.Errorf("healthcheck --addr %s: exit %d: %s", p.addr, code, out)
		}
	})
	t.Run("dials loopback for a wildcard address from the environment, as in the image", func(t *testing.T) {
		if code, out := runHealthcheck(t, []string{"MOCKSANDBOX_ADDR=0.0.0.0:" + port}); code != 0 {
			t.Errorf("MOCKSANDBOX_ADDR=0.0.0.0:%s healthcheck: exit %d: %s", port, code, out)
		}
	})
	t.Run("exits non-zero when nothing listens", func(t *testing.T) {
		addr := freeAddr(t)
		code, out := runHealthcheck(t, nil, "--addr", addr)
		if code == 0 {
			t.Fatalf("healthcheck --addr %s with nothing listening: exit 0", addr)
		}
		if !strings.Contains(out, "healthcheck") {
			t.Errorf("healthcheck failure does not say what failed: %q", out)
		}
	})
}

func TestSIGTERMShutsDownCleanlyWithinTwoSeconds(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "state.db")
	p := startMock(t, "--db", db)
	if resp := do(t, p.url, pcRequest{method: http.MethodPost, path: "/v1/sandboxIndirectReseller", token: fixtureToken, body: resellerBody("sigterm1")}); resp.status != http.StatusCreated {
		t.Fatalf("create reseller: %d %s", resp.status, resp.body)
	}

	code, took := p.signal(t, syscall.SIGTERM)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if took > 2*time.Second {
		t.Errorf("exit took %s after SIGTERM, want at most 2s", took)
	}
	if !strings.Contains(p.stderr.String(), "shutdown complete: database closed cleanly") {
		t.Errorf("stderr lacks the clean-shutdown line:\n%s", p.stderr)
	}
	// Closing cleanly checkpoints the WAL: nothing is left to replay.
	if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("%s-wal holds %d bytes after a clean shutdown, want it checkpointed", db, fi.Size())
	}
}

func TestIdempotentReplayAcrossRestart(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "state.db")
	create := pcRequest{
		method:    http.MethodPost,
		path:      "/v1/sandboxIndirectReseller",
		token:     fixtureToken,
		body:      resellerBody("TipIRIntTest705"),
		requestID: uuid.NewString(),
	}

	first := startMock(t, "--db", db)
	original := do(t, first.url, create)
	if original.status != http.StatusCreated {
		t.Fatalf("first create: %d %s", original.status, original.body)
	}
	if got := original.header.Get("X-Mocksandbox-Replayed"); got != "" {
		t.Errorf("first create carries X-Mocksandbox-Replayed: %q", got)
	}
	id := createdResellerID(t, original.body)
	first.stop(t)

	second := startMock(t, "--db", db)
	replay := do(t, second.url, create)
	if replay.status != http.StatusCreated {
		t.Errorf("replay after restart: status %d, want 201: %s", replay.status, replay.body)
	}
	if !bytes.Equal(replay.body, original.body) {
		t.Errorf("replay after restart: body differs\nfirst:  %s\nreplay: %s", original.body, replay.body)
	}
	if got := replay.header.Get("X-Mocksandbox-Replayed"); got != "true" {
		t.Errorf("replay after restart: X-Mocksandbox-Replayed = %q, want true", got)
	}
	if got, want := replay.header.Get("MS-RequestId"), create.requestID; got != want {
		t.Errorf("replay after restart: MS-RequestId = %q, want %q", got, want)
	}
	if ids := listResellerIDs(t, second.url, fixtureToken); len(ids) != 1 || ids[0] != id {
		t.Errorf("GET /v1/relationships after replay = %v, want exactly [%s]", ids, id)
	}
	second.stop(t)
}

// createAttempt is one reseller create in the SIGKILL test.
type createAttempt struct {
	req    pcRequest
	status int    // 0: no answer (the process died first)
	id     string // accountId of a 201
}

func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	const (
		tokens       = 10
		perToken     = 4 // under the 5-reseller limit of each auto-created account
		killAfter201 = 5
	)
	db := filepath.Join(t.TempDir(), "state.db")
	p := startMock(t, "--db", db)

	tag := uuid.NewString()[:8] // hex: keeps tokens and domain prefixes unique to this run
	var attempts []*createAttempt
	for i := range tokens {
		token := fmt.Sprintf("sigkill-%s-token-%d", tag, i)
		for j := range perToken {
			attempts = append(attempts, &createAttempt{req: pcRequest{
				method:    http.MethodPost,
				path:      "/v1/sandboxIndirectReseller",
				token:     token,
				body:      resellerBody(fmt.Sprintf("kill%st%dr%d", tag, i, j)),
				requestID: uuid.NewString(),
			}})
		}
	}

	// Every create starts at once; the process is killed when the
	// killAfter201-th 201 arrives, with the rest queued or in flight.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: len(attempts)}, Timeout: 15 * time.Second}
	defer client.CloseIdleConnections()
	var (
		wg       sync.WaitGroup
		created  atomic.Int32
		killOnce sync.Once
		killed   = make(chan struct{})
		start    = make(chan struct{})
	)
	kill := func() {
		killOnce.Do(func() {
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Errorf("SIGKILL: %v", err)
			}
			close(killed)
		})
	}
	for _, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, err := a.req.build(context.Background(), p.url)
			if err != nil {
				t.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				return // no answer: the write may or may not have committed
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return
			}
			a.status = resp.StatusCode
			if resp.StatusCode == http.StatusCreated {
				var id struct {
					AccountID string `json:"accountId"`
				}
				if jsonErr := json.Unmarshal(body, &id); jsonErr != nil || id.AccountID == "" {
					t.Errorf("201 without accountId: %s", body)
				}
				a.id = id.AccountID
				if created.Add(1) == killAfter201 {
					kill()
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	kill() // in case fewer than killAfter201 creates succeeded
	<-killed
	select {
	case <-p.exited:
	case <-time.After(exitTimeout):
		t.Fatal("the process did not die of SIGKILL")
	}

	acknowledged, unanswered := 0, 0
	for _, a := range attempts {
		switch a.status {
		case http.StatusCreated:
			acknowledged++
		case 0:
			unanswered++
		default:
			t.Errorf("create %s for %s: status %d before the kill, want 201", a.req.requestID, a.req.token, a.status)
		}
	}
	t.Logf("before SIGKILL: %d creates acknowledged, %d unanswered", acknowledged, unanswered)
	if acknowledged < killAfter201 {
		t.Fatalf("only %d creates were acknowledged before the kill", acknowledged)
	}
	requireIntegrityOK(t, db)

	q := startMock(t, "--db", db)
	listed := map[string]map[string]bool{} // token → reseller ids
	for i := 0; i < len(attempts); i += perToken {
		token := attempts[i].req.token
		listed[token] = map[string]bool{}
		for _, id := range listResellerIDs(t, q.url, token) {
			listed[token][id] = true
		}
	}
	for _, a := range attempts {
		if a.status == http.StatusCreated && !listed[a.req.token][a.id] {
			t.Errorf("reseller %s (201 to request %s for %s) is gone after SIGKILL and restart", a.id, a.req.requestID, a.req.token)
		}
	}

	// Retrying every create with its MS-RequestId completes the set exactly
	// once: acknowledged ones replay their bytes, unanswered ones either
	// replay (committed before the kill) or create now.
	for _, a := range attempts {
		resp := do(t, q.url, a.req)
		if resp.status != http.StatusCreated {
			t.Errorf("retry of %s after restart: %d %s", a.req.requestID, resp.status, resp.body)
			continue
		}
		if a.status == http.StatusCreated {
			if resp.header.Get("X-Mocksandbox-Replayed") != "true" {
				t.Errorf("retry of acknowledged %s was not a replay", a.req.requestID)
			}
			if got := createdResellerID(t, resp.body); got != a.id {
				t.Errorf("retry of acknowledged %s: accountId %s, want %s", a.req.requestID, got, a.id)
			}
		}
	}
	for token := range listed {
		if ids := listResellerIDs(t, q.url, token); len(ids) != perToken {
			t.Errorf("%s has %d resellers after retrying every create, want %d: %v", token, len(ids), perToken, ids)
		}
	}
	q.stop(t)
	requireIntegrityOK(t, db)
}

// requireIntegrityOK opens the database file the stopped process left and
// runs PRAGMA integrity_check.
func requireIntegrityOK(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var verdict string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&verdict); err != nil {
		t.Fatalf("integrity_check %s: %v", path, err)
	}
	if verdict != "ok" {
		t.Fatalf("integrity_check %s = %q, want ok", path, verdict)
	}
}

// TestMockAtURL runs a reseller round trip against the mock named by
// MOCKSANDBOX_URL (compose.yaml's tests service sets it to the mock
// service), or against a freshly started binary when it is unset.
func TestMockAtURL(t *testing.T) {
	base := strings.TrimRight(os.Getenv("MOCKSANDBOX_URL"), "/")
	if base == "" {
		base = startMock(t).url
	}
	waitReady(t, base, nil)
	token := "compose-" + uuid.NewString() // its own auto-created sandbox account
	prefix := "compose" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	resp := do(t, base, pcRequest{method: http.MethodPost, path: "/v1/sandboxIndirectReseller", token: token, body: resellerBody(prefix)})
	if resp.status != http.StatusCreated {
		t.Fatalf("create reseller: %d %s", resp.status, resp.body)
	}
	id := createdResellerID(t, resp.body)
	if ids := listResellerIDs(t, base, token); len(ids) != 1 || ids[0] != id {
		t.Errorf("GET /v1/relationships = %v, want [%s]", ids, id)
	}
	if resp := do(t, base, pcRequest{method: http.MethodDelete, path: "/v1/sandboxIndirectReseller/" + id, token: token}); resp.status != http.StatusNoContent {
		t.Errorf("delete reseller: %d %s", resp.status, resp.body)
	}
}
