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
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Graceful shutdown under load (RELIABILITY.md): SIGTERM while writes are
// held in flight by a delay fault and readers keep the server busy. The
// listener must close at once (new connections refused) while the held
// writes still finish with their 201s; the process exits 0 with the
// clean-shutdown line, and the database file is left checkpointed (no WAL
// to recover) and sound, holding every write that was answered.
func TestSIGTERMUnderLoadFinishesInFlightRefusesNewAndClosesCleanly(t *testing.T) {
	t.Parallel()
	const (
		held  = 6                       // writes in flight at SIGTERM
		delay = 1500 * time.Millisecond // how long the fault holds them
	)
	db := filepath.Join(t.TempDir(), "shutdown.db")
	p := startMock(t, "--db", db)
	token := "shutdown-" + uuid.NewString()
	tag := strings.ReplaceAll(uuid.NewString(), "-", "")[:8]

	// Readers: load on other connections until the server goes away. They
	// may see connection errors after SIGTERM, never a 5xx.
	var (
		sigterm     atomic.Bool
		readsOK     atomic.Int64
		readerErrs  atomic.Int64
		stopReaders = make(chan struct{})
		readers     sync.WaitGroup
	)
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stopReaders:
					return
				default:
				}
				req, _ := pcRequest{method: http.MethodGet, path: "/v1/customers", token: token}.build(context.Background(), p.url)
				resp, err := client.Do(req)
				if err != nil {
					if !sigterm.Load() {
						t.Errorf("a read failed before SIGTERM: %v", err)
					}
					readerErrs.Add(1)
					time.Sleep(5 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("a read during shutdown answered %d", resp.StatusCode)
				}
				readsOK.Add(1)
			}
		}()
	}

	// Let the readers get going, so SIGTERM lands under load.
	for warm := time.Now().Add(10 * time.Second); readsOK.Load() < 100; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(warm) {
			t.Fatalf("only %d reads in 10s", readsOK.Load())
		}
	}

	rule := fmt.Sprintf(`{"method":"POST","path":"/v1/customers","action":"delay","delayMs":%d,"times":%d}`, delay.Milliseconds(), held)
	resp, err := http.Post(p.url+"/_mock/faults", "application/json", strings.NewReader(rule))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add the delay rule: %v %v", resp, err)
	}
	resp.Body.Close()

	// The held writes, each on its own connection.
	type answer struct {
		req    pcRequest
		status int
		body   []byte
		err    error
		at     time.Time
	}
	answers := make([]answer, held)
	var writers sync.WaitGroup
	for i := range held {
		answers[i].req = pcRequest{method: http.MethodPost, path: "/v1/customers", token: token,
			body: crashCustomerBody(fmt.Sprintf("held-%s-%d.example.com", tag, i), ""), requestID: uuid.NewString()}
		writers.Add(1)
		go func() {
			defer writers.Done()
			a := &answers[i]
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
			req, _ := a.req.build(context.Background(), p.url)
			resp, err := client.Do(req)
			a.at = time.Now()
			if err != nil {
				a.err = err
				return
			}
			a.body, a.err = io.ReadAll(resp.Body)
			resp.Body.Close()
			a.status = resp.StatusCode
		}()
	}

	// Wait until every held write is inside the delay: the rule has fired
	// for all of them.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rules struct {
			Items []struct {
				Remaining int `json:"remaining"`
			} `json:"items"`
		}
		r := do(t, p.url, pcRequest{method: http.MethodGet, path: "/_mock/faults", token: token})
		if err := json.Unmarshal(r.body, &rules); err != nil || len(rules.Items) != 1 {
			t.Fatalf("GET /_mock/faults: %s", r.body)
		}
		if rules.Items[0].Remaining == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the held writes did not all reach the server: %d left", rules.Items[0].Remaining)
		}
		time.Sleep(5 * time.Millisecond)
	}

	sigterm.Store(true)
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the held writes are still running.
	refusedAt := time.Time{}
	for time.Since(start) < delay {
		conn, err := net.DialTimeout("tcp", p.addr, time.Second)
		switch {
		case err == nil:
			conn.Close()
		case errors.Is(err, syscall.ECONNRESET):
			// Queued in the backlog as the listener closed; poll on.
		case errors.Is(err, syscall.ECONNREFUSED):
			refusedAt = time.Now()
		default:
			t.Fatalf("dial after SIGTERM: %v, want connection refused", err)
		}
		if !refusedAt.IsZero() {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if refusedAt.IsZero() {
		t.Fatalf("new connections were still accepted %s after SIGTERM", delay)
	}

	writers.Wait()
	for i, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("held write %d: %v", i, a.err)
		case a.status != http.StatusCreated:
			t.Errorf("held write %d: %d %s", i, a.status, a.body)
		case !a.at.After(refusedAt):
			t.Errorf("held write %d finished before the listener closed; the test did not hold it in flight", i)
		}
	}
	select {
	case <-p.exited:
	case <-time.After(exitTimeout):
		t.Fatalf("no exit within %s of SIGTERM", exitTimeout)
	}
	close(stopReaders)
	readers.Wait()
	if p.err != nil {
		t.Errorf("exit after SIGTERM: %v, want 0", p.err)
	}
	took := time.Since(start)
	log := p.stderr.String()
	for _, line := range []string{"shutting down: finishing in-flight requests", "shutdown complete: database closed cleanly"} {
		if !strings.Contains(log, line) {
			t.Errorf("stderr lacks %q", line)
		}
	}
	if strings.Contains(log, `"level":"error"`) {
		t.Errorf("errors were logged during shutdown:\n%s", log)
	}
	// Closed cleanly: the WAL is checkpointed, nothing to recover.
	if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("%s-wal holds %d bytes after a clean shutdown", db, fi.Size())
	}
	requireIntegrityOK(t, db)
	requireConsistentFile(t, db)

	// Every answered write is in the file, and its retry replays.
	q := startMock(t, "--db", db)
	var listed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	getJSON(t, q.url, token, "/v1/customers", &listed)
	if len(listed.Items) != held {
		t.Errorf("%d customers after the restart, want the %d held writes", len(listed.Items), held)
	}
	for i, a := range answers {
		r := do(t, q.url, a.req)
		if r.status != a.status || !bytes.Equal(r.body, a.body) || r.header.Get("X-Mocksandbox-Replayed") != "true" {
			t.Errorf("retry of held write %d: %d (replayed %q)", i, r.status, r.header.Get("X-Mocksandbox-Replayed"))
		}
	}
	q.stop(t)
	t.Logf("graceful shutdown: %d writes held %s by a delay fault; listener closed %s after SIGTERM; all %d answered 201; exit 0 after %s; "+
		"%d reads served and %d refused by the closing server", held, delay, refusedAt.Sub(start).Round(time.Millisecond), held,
		took.Round(time.Millisecond), readsOK.Load(), readerErrs.Load())
}
