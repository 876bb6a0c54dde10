package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Crash safety (RELIABILITY.md): the real binary on a file database is
// killed with SIGKILL in the middle of concurrent reseller and customer
// creates and deletes, several times over. After each kill the file must
// pass integrity and consistency checks, and after each restart every
// acknowledged write must be there (and every acknowledged delete gone),
// the one write each client had in flight must be all there or not at all,
// and every acknowledged request, retried with its MS-RequestId, must
// replay its answer byte for byte.

const (
	crashRounds  = 5
	crashWorkers = 6 // tokens, each its own auto-created sandbox account
)

// crashOp is one write and what it answered.
type crashOp struct {
	kind     string // createReseller, deleteReseller, createCustomer, deleteCustomer
	req      pcRequest
	target   string // the id deleted, or the prefix / domain created
	reseller string // a customer create's associatedPartnerId
	status   int    // 0: no answer (the process died first)
	body     []byte
}

// crashWorker is one client: a token and what it knows it created.
type crashWorker struct {
	id, tag string
	token   string
	rng     *rand.Rand
	n       int

	resellers        map[string]string // live reseller id → domain prefix
	deletedResellers map[string]string // id → prefix
	customers        map[string]crashCustomer
	deletedCustomers map[string]string // id → domain

	acked   []*crashOp // acknowledged this round, to retry after the restart
	pending *crashOp   // in flight when the process died

	// Counts over all rounds.
	writes, replays, resolved, committedInFlight int
}

type crashCustomer struct{ domain, reseller string }

func newCrashWorker(tag string, i int, seed uint64) *crashWorker {
	return &crashWorker{
		id: fmt.Sprint(i), tag: tag, token: fmt.Sprintf("crash-%s-%d", tag, i), rng: rand.New(rand.NewPCG(seed, uint64(i))),
		resellers: map[string]string{}, deletedResellers: map[string]string{},
		customers: map[string]crashCustomer{}, deletedCustomers: map[string]string{},
	}
}

func crashCustomerBody(domain, reseller string) []byte {
	return []byte(`{"companyProfile":{"domain":"` + domain + `"},"billingProfile":{"email":"admin@` + domain + `","culture":"en-US","language":"en",` +
		`"companyName":"` + domain + `","defaultAddress":{"firstName":"Ada","lastName":"Lovelace","addressLine1":"1 Microsoft Way","city":"Redmond",` +
		`"postalCode":"98052","country":"US"}},"associatedPartnerId":"` + reseller + `"}`)
}

// resellersWithCustomers counts each live reseller's customers.
func (w *crashWorker) resellersWithCustomers() map[string]int {
	busy := map[string]int{}
	for _, c := range w.customers {
		if c.reseller != "" {
			busy[c.reseller]++
		}
	}
	return busy
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// next picks a write the model says will succeed (or, now and then, a
// reseller delete it says must be refused with 6003).
func (w *crashWorker) next() *crashOp {
	w.n++
	busy := w.resellersWithCustomers()
	var idle, live []string
	for _, id := range sortedKeys(w.resellers) {
		live = append(live, id)
		if busy[id] == 0 {
			idle = append(idle, id)
		}
	}
	r := w.rng.Float64()
	switch {
	case len(w.resellers) < 4 && r < 0.2:
		prefix := fmt.Sprintf("k%sw%sn%d", w.tag, w.id, w.n)
		return &crashOp{kind: "createReseller", target: prefix, req: pcRequest{method: http.MethodPost,
			path: "/v1/sandboxIndirectReseller", token: w.token, body: resellerBody(prefix), requestID: uuid.NewString()}}
	case len(idle) > 0 && r < 0.3:
		id := idle[w.rng.IntN(len(idle))]
		return &crashOp{kind: "deleteReseller", target: id, req: pcRequest{method: http.MethodDelete,
			path: "/v1/sandboxIndirectReseller/" + id, token: w.token, requestID: uuid.NewString()}}
	case len(live) > len(idle) && r < 0.32:
		id := live[w.rng.IntN(len(live))]
		if busy[id] > 0 {
			return &crashOp{kind: "deleteReseller", target: id, req: pcRequest{method: http.MethodDelete,
				path: "/v1/sandboxIndirectReseller/" + id, token: w.token, requestID: uuid.NewString()}}
		}
	}
	if len(w.customers) > 0 && (len(w.customers) >= 60 || w.rng.Float64() < 0.3) {
		ids := sortedKeys(w.customers)
		id := ids[w.rng.IntN(len(ids))]
		return &crashOp{kind: "deleteCustomer", target: id, req: pcRequest{method: http.MethodDelete,
			path: "/v1/customers/" + id, token: w.token, requestID: uuid.NewString()}}
	}
	domain := fmt.Sprintf("c%s-w%s-n%d.example.com", w.tag, w.id, w.n)
	reseller := ""
	if len(live) > 0 && w.rng.Float64() < 0.5 {
		reseller = live[w.rng.IntN(len(live))]
	}
	return &crashOp{kind: "createCustomer", target: domain, reseller: reseller, req: pcRequest{method: http.MethodPost,
		path: "/v1/customers", token: w.token, body: crashCustomerBody(domain, reseller), requestID: uuid.NewString()}}
}

// wantStatus is what the model says op answers.
func (w *crashWorker) wantStatus(op *crashOp) int {
	switch op.kind {
	case "createReseller", "createCustomer":
		return http.StatusCreated
	case "deleteReseller":
		if w.resellersWithCustomers()[op.target] > 0 {
			return http.StatusForbidden
		}
	}
	return http.StatusNoContent
}

// apply records an answered write in the model.
func (w *crashWorker) apply(t *testing.T, op *crashOp) {
	t.Helper()
	if want := w.wantStatus(op); op.status != want {
		t.Errorf("worker %s: %s %s answered %d, the model wants %d: %s", w.id, op.kind, op.target, op.status, want, op.body)
		return
	}
	var created struct {
		ID        string `json:"id"`        // a customer's
		AccountID string `json:"accountId"` // a reseller's
	}
	if op.status == http.StatusCreated {
		if err := json.Unmarshal(op.body, &created); err != nil || created.ID+created.AccountID == "" {
			t.Errorf("worker %s: %s answered %s", w.id, op.kind, op.body)
			return
		}
	}
	switch {
	case op.kind == "createReseller":
		w.resellers[created.AccountID] = op.target
	case op.kind == "createCustomer":
		w.customers[created.ID] = crashCustomer{domain: op.target, reseller: op.reseller}
	case op.kind == "deleteReseller" && op.status == http.StatusNoContent:
		w.deletedResellers[op.target] = w.resellers[op.target]
		delete(w.resellers, op.target)
	case op.kind == "deleteCustomer":
		w.deletedCustomers[op.target] = w.customers[op.target].domain
		delete(w.customers, op.target)
	}
}

// run writes until the process dies (a request without an answer) or ctx ends.
func (w *crashWorker) run(ctx context.Context, t *testing.T, client *http.Client, baseURL string, acked *atomic.Int64, kill func()) {
	for ctx.Err() == nil {
		op := w.next()
		req, err := op.req.build(context.Background(), baseURL)
		if err != nil {
			t.Error(err)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			w.pending = op
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			w.pending = op
			return
		}
		op.status, op.body = resp.StatusCode, body
		if op.status >= 500 {
			t.Errorf("worker %s: %s answered %d: %s", w.id, op.kind, op.status, body)
		}
		w.apply(t, op)
		w.acked = append(w.acked, op)
		w.writes++
		if acked.Add(1) == 0 {
			kill()
		}
	}
}

// listed is what the API shows of a worker's account.
type listed struct {
	resellers map[string]string // id → name (the prefix)
	customers map[string]string // id → domain
}

func (w *crashWorker) list(t *testing.T, baseURL string) listed {
	t.Helper()
	l := listed{resellers: map[string]string{}, customers: map[string]string{}}
	var rel struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	getJSON(t, baseURL, w.token, "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", &rel)
	for _, it := range rel.Items {
		l.resellers[it.ID] = it.Name
	}
	var cust struct {
		Items []struct {
			ID             string `json:"id"`
			CompanyProfile struct {
				Domain string `json:"domain"`
			} `json:"companyProfile"`
		} `json:"items"`
	}
	getJSON(t, baseURL, w.token, "/v1/customers?size=500", &cust)
	for _, it := range cust.Items {
		l.customers[it.ID] = it.CompanyProfile.Domain
	}
	return l
}

// verify compares the restarted mock with the model, resolves the write
// that was in flight by retrying it, and retries every acknowledged write.
func (w *crashWorker) verify(t *testing.T, baseURL string) {
	t.Helper()
	got := w.list(t, baseURL)

	// The in-flight write: its effect is either wholly there or wholly not.
	inFlightDone := false
	if op := w.pending; op != nil {
		switch op.kind {
		case "createReseller":
			for id, name := range got.resellers {
				if _, known := w.resellers[id]; !known && name == op.target {
					inFlightDone = true
				}
			}
		case "createCustomer":
			for id, domain := range got.customers {
				if _, known := w.customers[id]; !known && domain == op.target {
					inFlightDone = true
				}
			}
		case "deleteReseller":
			_, present := got.resellers[op.target]
			inFlightDone = !present && w.wantStatus(op) == http.StatusNoContent
		case "deleteCustomer":
			_, present := got.customers[op.target]
			inFlightDone = !present
		}
	}
	// Everything else is exactly the acknowledged state.
	for id, prefix := range w.resellers {
		if _, ok := got.resellers[id]; !ok && !(inFlightDone && w.pending.kind == "deleteReseller" && w.pending.target == id) {
			t.Errorf("worker %s: acknowledged reseller %s (%s) is gone after the restart", w.id, id, prefix)
		}
	}
	for id, name := range got.resellers {
		if _, ok := w.resellers[id]; !ok && !(inFlightDone && w.pending.kind == "createReseller" && w.pending.target == name) {
			t.Errorf("worker %s: reseller %s (%s) is listed, but no acknowledged create made it (deleted: %v)", w.id, id, name, w.deletedResellers[id] != "")
		}
	}
	for id, c := range w.customers {
		if _, ok := got.customers[id]; !ok && !(inFlightDone && w.pending.kind == "deleteCustomer" && w.pending.target == id) {
			t.Errorf("worker %s: acknowledged customer %s (%s) is gone after the restart", w.id, id, c.domain)
		}
	}
	for id, domain := range got.customers {
		if _, ok := w.customers[id]; !ok && !(inFlightDone && w.pending.kind == "createCustomer" && w.pending.target == domain) {
			t.Errorf("worker %s: customer %s (%s) is listed, but no acknowledged create made it (deleted: %v)", w.id, id, domain, w.deletedCustomers[id] != "")
		}
	}

	// Retry the in-flight write: a replay exactly when it had committed
	// (a refused write has no effect to see, so only its answer is checked).
	if op := w.pending; op != nil {
		refused := w.wantStatus(op) >= 400
		resp := do(t, baseURL, op.req)
		replayed := resp.header.Get("X-Mocksandbox-Replayed") == "true"
		if !refused && replayed != inFlightDone {
			t.Errorf("worker %s: retry of the in-flight %s %s: replayed=%v, but its effect was there=%v", w.id, op.kind, op.target, replayed, inFlightDone)
		}
		op.status, op.body = resp.status, resp.body
		w.apply(t, op)
		w.acked = append(w.acked, op)
		w.pending = nil
		w.resolved++
		if inFlightDone {
			w.committedInFlight++
		}
	}

	// Every acknowledged write of this round replays, byte for byte, with
	// no new effect.
	for _, op := range w.acked {
		resp := do(t, baseURL, op.req)
		if resp.status != op.status || !bytes.Equal(resp.body, op.body) || resp.header.Get("X-Mocksandbox-Replayed") != "true" {
			t.Errorf("worker %s: retry of acknowledged %s %s (%s): %d %q (replayed %q), first %d %q", w.id, op.kind, op.target,
				op.req.requestID, resp.status, resp.body, resp.header.Get("X-Mocksandbox-Replayed"), op.status, op.body)
		}
		w.replays++
	}
	w.acked = nil

	// Now the API must show the model exactly, domains included.
	got = w.list(t, baseURL)
	if len(got.resellers) != len(w.resellers) || len(got.customers) != len(w.customers) {
		t.Errorf("worker %s: after the retries %d resellers and %d customers are listed, the model has %d and %d",
			w.id, len(got.resellers), len(got.customers), len(w.resellers), len(w.customers))
	}
	domainStatus := func(domain string) int {
		return do(t, baseURL, pcRequest{method: http.MethodHead, path: "/v1/domains/" + domain, token: w.token}).status
	}
	for id, prefix := range w.resellers {
		if s := domainStatus(prefix + ".onmicrosoft.com"); s != http.StatusOK {
			t.Errorf("worker %s: live reseller %s: HEAD its domain → %d", w.id, id, s)
		}
	}
	for id, prefix := range w.deletedResellers {
		if s := domainStatus(prefix + ".onmicrosoft.com"); s != http.StatusNotFound {
			t.Errorf("worker %s: deleted reseller %s: HEAD its domain → %d", w.id, id, s)
		}
	}
	for id, c := range w.customers {
		if s := domainStatus(c.domain); s != http.StatusOK {
			t.Errorf("worker %s: customer %s: HEAD %s → %d", w.id, id, c.domain, s)
		}
		var one struct {
			AssociatedPartnerID string `json:"associatedPartnerId"`
		}
		getJSON(t, baseURL, w.token, "/v1/customers/"+id, &one)
		if one.AssociatedPartnerID != c.reseller {
			t.Errorf("worker %s: customer %s has associatedPartnerId %q, want %q", w.id, id, one.AssociatedPartnerID, c.reseller)
		}
	}
	for id, domain := range w.deletedCustomers {
		if s := domainStatus(domain); s != http.StatusNotFound {
			t.Errorf("worker %s: deleted customer %s: HEAD %s → %d", w.id, id, domain, s)
		}
	}
}

func TestRepeatedSIGKILLDuringMixedWritesLosesNothingAndLeavesNoHalfWrite(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	db := filepath.Join(t.TempDir(), "crash.db")
	tag := strings.ReplaceAll(uuid.NewString(), "-", "")[:6]
	workers := make([]*crashWorker, crashWorkers)
	for i := range workers {
		workers[i] = newCrashWorker(tag, i, seed)
	}

	p := startMock(t, "--db", db)
	for round := 1; round <= crashRounds; round++ {
		// The kill comes at a random moment once at least 20 writes were
		// acknowledged, with every worker's next request queued, in a
		// transaction or on its way back.
		var acked atomic.Int64
		acked.Store(-20)
		var killOnce sync.Once
		kill := func() {
			killOnce.Do(func() {
				if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Errorf("SIGKILL: %v", err)
				}
			})
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: crashWorkers}, Timeout: 15 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		armed := make(chan struct{})
		for _, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run(ctx, t, client, p.url, &acked, func() { close(armed) })
			}()
		}
		go func() {
			select {
			case <-armed:
				time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
				kill()
			case <-p.exited:
			}
		}()
		select {
		case <-p.exited:
		case <-time.After(60 * time.Second):
			kill()
			t.Errorf("round %d: the workers never reached the kill point", round)
			<-p.exited
		}
		cancel()
		wg.Wait()
		client.CloseIdleConnections()
		if t.Failed() {
			t.FailNow()
		}

		requireIntegrityOK(t, db)
		requireConsistentFile(t, db)
		p = startMock(t, "--db", db)
		for _, w := range workers {
			w.verify(t, p.url)
		}
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
	}
	p.stop(t)
	requireIntegrityOK(t, db)
	requireConsistentFile(t, db)

	var writes, replays, resolved, committed, resellers, customers int
	for _, w := range workers {
		writes += w.writes
		replays += w.replays
		resolved += w.resolved
		committed += w.committedInFlight
		resellers += len(w.resellers) + len(w.deletedResellers)
		customers += len(w.customers) + len(w.deletedCustomers)
	}
	t.Logf("crash safety: %d SIGKILLs survived; %d acknowledged writes checked after restarts and %d retries replayed byte for byte; "+
		"%d in-flight writes resolved (%d had committed, %d had not); %d resellers and %d customers created in all",
		crashRounds, writes, replays, resolved, committed, resolved-committed, resellers, customers)
}

// requireConsistentFile checks, on the file a stopped or killed process
// left, that no write is half there: every customer has its domain and
// every domain its owner, customers' resellers are live, foreign keys hold
// and no account is over its limits.
func requireConsistentFile(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("%s: PRAGMA foreign_key_check reports violations", path)
	}
	rows.Close()
	for what, query := range map[string]string{
		"customers without their domain": `SELECT count(*) FROM customers c WHERE NOT EXISTS
			(SELECT 1 FROM domains d WHERE d.owner_id = c.id AND d.owner_kind = 'customer' AND d.name = c.domain AND d.account_id = c.account_id)`,
		"customer domains without their customer": `SELECT count(*) FROM domains d WHERE d.owner_kind = 'customer' AND NOT EXISTS
			(SELECT 1 FROM customers c WHERE c.id = d.owner_id)`,
		"live resellers without their domain": `SELECT count(*) FROM resellers r WHERE r.deleted_at IS NULL AND NOT EXISTS
			(SELECT 1 FROM domains d WHERE d.owner_id = r.id AND d.owner_kind = 'reseller' AND d.name = lower(r.domain_prefix) || '.onmicrosoft.com')`,
		"reseller domains without a live reseller": `SELECT count(*) FROM domains d WHERE d.owner_kind = 'reseller' AND NOT EXISTS
			(SELECT 1 FROM resellers r WHERE r.id = d.owner_id AND r.deleted_at IS NULL)`,
		"customers of a reseller that is not live": `SELECT count(*) FROM customers c WHERE c.reseller_id <> '' AND NOT EXISTS
			(SELECT 1 FROM resellers r WHERE r.id = c.reseller_id AND r.account_id = c.account_id AND r.deleted_at IS NULL)`,
		"accounts without their domain": `SELECT count(*) FROM accounts a WHERE NOT EXISTS
			(SELECT 1 FROM domains d WHERE d.owner_id = a.id AND d.owner_kind = 'account')`,
		"accounts over 5 live resellers": `SELECT count(*) FROM (SELECT account_id FROM resellers WHERE deleted_at IS NULL
			GROUP BY account_id HAVING count(*) > 5)`,
		"accounts over 75 customers": `SELECT count(*) FROM (SELECT account_id FROM customers GROUP BY account_id HAVING count(*) > 75)`,
	} {
		var n int
		if err := db.QueryRow(query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%s: %d %s", path, n, what)
		}
	}
}
