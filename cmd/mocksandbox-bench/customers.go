package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/mocksandbox/mocksandbox/limits"
	"github.com/mocksandbox/mocksandbox/store"
)

const (
	// smallAccounts is how many full accounts the small database holds.
	smallAccounts = 10
	// customersPerAccount fills every account to its sandbox limit (SPEC §5).
	customersPerAccount = 75
	// listSize is the page size of the list operation.
	listSize = 50
	// targetRatio bounds large/small for list and filter (from the issue).
	targetRatio = 1.5
)

// customerConns are the connection counts of every customer operation:
// latency at 1, throughput at 8.
var customerConns = []int{1, 8}

// benchAccount is one seeded sandbox account as the bench addresses it.
type benchAccount struct {
	token     string    // static App+User token
	resellers [2]string // live resellers' tenant ids
	customers []string  // customer ids in creation order
	// byReseller counts the customers of each reseller.
	byReseller [2]int
}

// dataset is what one generated database holds.
type dataset struct {
	name string
	// full accounts hold customersPerAccount customers each; the read
	// operations go round-robin over them.
	full []benchAccount
	// spares hold no customers: the create operation inserts into them
	// (the full accounts are at their 75-customer limit).
	spares []benchAccount
}

func (d *dataset) customers() int { return len(d.full) * customersPerAccount }

// spareAccounts is how many empty accounts take every create one run can
// send (both connection counts, warm-ups included) without reaching the
// 75-customer limit.
func spareAccounts(n int) int {
	most := 0
	for _, c := range customerConns {
		most += n + abbaHalves*warmupsPerConn*c
	}
	return (most + customersPerAccount - 1) / customersPerAccount
}

// generate builds a snapshot of full accounts with customersPerAccount
// customers each plus spares empty accounts, every account a sandbox
// account with one user, a static App+User token and 2 live resellers.
// About 2/3 of the customers belong to a reseller, the rest are direct.
func generate(name string, full, spares int) (store.Snapshot, *dataset) {
	ds := &dataset{name: name}
	snap := store.Snapshot{Accounts: make([]store.AccountSeed, 0, full+spares)}
	epoch := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seq := 0 // every created row gets a later time than the one before
	at := func() time.Time { seq++; return epoch.Add(time.Duration(seq) * time.Millisecond) }
	for g := range full + spares {
		label := fmt.Sprintf("benchacct%d", g)
		domain := label + ".onmicrosoft.com"
		upn := "admin@" + domain
		a := store.Account{
			ID:      uuid.NewString(),
			Name:    "Bench Account " + strconv.Itoa(g),
			Domain:  domain,
			Kind:    store.Sandbox,
			MpnID:   strconv.Itoa(2000000 + g), // seven digits up to 7,999,999 accounts
			Country: "US",
			Email:   upn,
			Address: store.DefaultAddress("US"),
			Limits:  limits.SandboxDefaults(),
		}
		ba := benchAccount{token: "bench-acct-" + strconv.Itoa(g)}
		seed := store.AccountSeed{
			Account: a,
			Users:   []store.User{{UPN: upn, ObjectID: uuid.NewString()}},
			Tokens:  []store.Token{{Token: ba.token, UserUPN: upn}},
		}
		for j := range ba.resellers {
			r := store.Reseller{
				ID:            uuid.NewString(),
				MpnID:         strconv.Itoa(3000000 + 2*g + j),
				DomainPrefix:  fmt.Sprintf("%sr%d", label, j),
				Name:          fmt.Sprintf("Bench Reseller %d-%d", g, j),
				Country:       "US",
				AdminUserName: "admin",
				CreatedAt:     at(),
			}
			ba.resellers[j] = r.ID
			seed.Resellers = append(seed.Resellers, r)
		}
		if g < full {
			for j := range customersPerAccount {
				c := newSeedCustomer(label, j, at())
				if k := j % 3; k < 2 { // 2 of 3 belong to a reseller
					c.ResellerID = ba.resellers[k]
					ba.byReseller[k]++
				}
				ba.customers = append(ba.customers, c.ID)
				seed.Customers = append(seed.Customers, c)
			}
			ds.full = append(ds.full, ba)
		} else {
			ds.spares = append(ds.spares, ba)
		}
		snap.Accounts = append(snap.Accounts, seed)
	}
	return snap, ds
}

func newSeedCustomer(account string, j int, created time.Time) store.Customer {
	domain := fmt.Sprintf("%sc%d.onmicrosoft.com", account, j)
	return store.Customer{
		ID:         uuid.NewString(),
		CommerceID: uuid.NewString(),
		Domain:     domain,
		Billing: store.BillingProfile{
			ID:          uuid.NewString(),
			Email:       "admin@" + domain,
			Culture:     "en-US",
			Language:    "en",
			CompanyName: fmt.Sprintf("Bench Customer %s-%d", account, j),
			Address: store.Address{
				Country:      "US",
				City:         "Redmond",
				AddressLine1: "1 Microsoft Way",
				PostalCode:   "98052",
				FirstName:    "Ada",
				LastName:     "Lovelace",
			},
			ETag: strconv.FormatInt(int64(j+1)*7919, 10),
		},
		CreatedAt: created,
	}
}

// seeding is how long building one database took.
type seeding struct {
	name                string
	accounts, customers int
	spares              int
	seed, total         time.Duration // store.Seed alone; Open + Seed + Close
	fileBytes           int64
	generate            time.Duration
}

// seedDatabase writes snap into a new SQLite file at path the way the mock
// itself would (store.Open, one store.Seed), then closes it (checkpointing
// the WAL into the file).
func seedDatabase(ctx context.Context, path string, snap store.Snapshot) (seed, total time.Duration, err error) {
	begin := time.Now()
	st, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		return 0, 0, err
	}
	t := time.Now()
	if err := st.Seed(ctx, snap); err != nil {
		st.Close()
		return 0, 0, fmt.Errorf("seed %s: %w", path, err)
	}
	seed = time.Since(t)
	if err := st.Close(); err != nil {
		return 0, 0, fmt.Errorf("close %s: %w", path, err)
	}
	return seed, time.Since(begin), nil
}

func databasePath(dir, name string) string { return filepath.Join(dir, "customers-"+name+".db") }

// buildDatabase generates and seeds one database file.
func buildDatabase(ctx context.Context, name, path string, full, spares int) (*dataset, seeding, error) {
	t := time.Now()
	snap, ds := generate(name, full, spares)
	s := seeding{name: name, accounts: full, spares: spares, customers: ds.customers(), generate: time.Since(t)}
	var err error
	if s.seed, s.total, err = seedDatabase(ctx, path, snap); err != nil {
		return nil, s, err
	}
	if fi, err := os.Stat(path); err == nil {
		s.fileBytes = fi.Size()
	}
	return ds, s, nil
}

// customerWorkload builds the customer requests against one instance.
type customerWorkload struct {
	base string
	ds   *dataset
}

func (cw *customerWorkload) get(ctx context.Context, token, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cw.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header["Authorization"] = []string{"Bearer " + token}
	req.Header["MS-RequestId"] = []string{uuid.NewString()}
	req.Header["MS-CorrelationId"] = []string{uuid.NewString()}
	req.Header["Accept"] = []string{"application/json"}
	return req, nil
}

// pick spreads request k over the full accounts round-robin, and over the
// customers (or resellers) of an account on successive rounds.
func (cw *customerWorkload) pick(k int64) (a *benchAccount, round int) {
	n := int64(len(cw.ds.full))
	return &cw.ds.full[k%n], int(k / n)
}

func customerPath(id string) string { return "/v1/customers/" + id }

func listPath() string { return "/v1/customers?size=" + strconv.Itoa(listSize) }

// filterPath is the .NET SDK's "customers of an indirect reseller" query
// (CLIENT-WIRE.md).
func filterPath(resellerID string) string {
	f := `{"Field":"IndirectReseller","Value":"` + resellerID + `","Operator":"starts_with"}`
	return "/v1/customers?size=0&filter=" + url.QueryEscape(f)
}

func checkStatus(want int) func(*http.Response, []byte) error {
	return func(resp *http.Response, body []byte) error {
		if resp.StatusCode != want {
			return fmt.Errorf("want %d, got %s: %.300s", want, resp.Status, body)
		}
		return nil
	}
}

func (cw *customerWorkload) getOp() operation {
	var next atomic.Int64
	return operation{
		name: "GET /v1/customers/{id}",
		request: func(ctx context.Context) (*http.Request, error) {
			a, round := cw.pick(next.Add(1) - 1)
			return cw.get(ctx, a.token, customerPath(a.customers[round%len(a.customers)]))
		},
		check: checkStatus(http.StatusOK),
	}
}

func (cw *customerWorkload) listOp() operation {
	var next atomic.Int64
	return operation{
		name: fmt.Sprintf("GET /v1/customers?size=%d", listSize),
		request: func(ctx context.Context) (*http.Request, error) {
			a, _ := cw.pick(next.Add(1) - 1)
			return cw.get(ctx, a.token, listPath())
		},
		check: checkStatus(http.StatusOK),
	}
}

func (cw *customerWorkload) filterOp() operation {
	var next atomic.Int64
	return operation{
		name: "filter IndirectReseller (.NET, size=0)",
		request: func(ctx context.Context) (*http.Request, error) {
			a, round := cw.pick(next.Add(1) - 1)
			return cw.get(ctx, a.token, filterPath(a.resellers[round%2]))
		},
		check: checkStatus(http.StatusOK),
	}
}

// customerBody is the Java SDK's create request (CLIENT-WIRE.md) with the
// domain as %[1]s and the reseller as %[2]s.
const customerBody = `{"attributes":{"objectType":"Customer"},"companyProfile":{"attributes":{"objectType":"CustomerCompanyProfile"},"domain":"%[1]s"},"billingProfile":{"attributes":{"objectType":"CustomerBillingProfile"},"language":"en","email":"admin@%[1]s","culture":"en-US","companyName":"Contoso","defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"1 Microsoft Way","postalCode":"98052","firstName":"Ada","lastName":"Lovelace","phoneNumber":"4255550100"}},"associatedPartnerId":"%[2]s"}`

// createOp posts a new customer of one of a spare account's resellers,
// round-robin over the spare accounts, each with a domain no one holds.
// spareAccounts sized them so no request meets the 75-customer limit.
func (cw *customerWorkload) createOp(runID string) operation {
	var next atomic.Int64
	spares := int64(len(cw.ds.spares))
	return operation{
		name: "POST /v1/customers (Java body)",
		request: func(ctx context.Context) (*http.Request, error) {
			k := next.Add(1) - 1
			a := &cw.ds.spares[k%spares]
			body := fmt.Appendf(nil, customerBody, fmt.Sprintf("new%s%d.onmicrosoft.com", runID, k), a.resellers[(k/spares)%2])
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, cw.base+"/v1/customers", bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header["Authorization"] = []string{"Bearer " + a.token}
			req.Header["MS-RequestId"] = []string{uuid.NewString()}
			req.Header["MS-CorrelationId"] = []string{uuid.NewString()}
			req.Header["Content-Type"] = []string{"application/json"}
			return req, nil
		},
		check: func(resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusCreated {
				return fmt.Errorf("want 201, got %s: %.300s", resp.Status, body)
			}
			if resp.Header.Get("X-Mocksandbox-Replayed") != "" {
				return errors.New("a first create came back as a replay (X-Mocksandbox-Replayed)")
			}
			if !bytes.Contains(body, []byte(`"userCredentials"`)) {
				return fmt.Errorf("201 without userCredentials: %.300s", body)
			}
			return nil
		},
	}
}

// customerList is the part of a customer collection the set-up checks read.
type customerList struct {
	TotalCount        int    `json:"totalCount"`
	ContinuationToken string `json:"continuationToken"`
	Items             []struct {
		ID                  string `json:"id"`
		AssociatedPartnerID string `json:"associatedPartnerId"`
	} `json:"items"`
}

// verify checks, untimed, that the instance serves the generated data:
// for the first, middle and last full account one customer, the list page
// and each reseller's filter; for one spare account an empty list.
func (cw *customerWorkload) verify(ctx context.Context) error {
	full := cw.ds.full
	for _, i := range []int{0, len(full) / 2, len(full) - 1} {
		a := &full[i]
		if err := cw.verifyAccount(ctx, a); err != nil {
			return fmt.Errorf("%s database, account %s: %w", cw.ds.name, a.token, err)
		}
	}
	spare := &cw.ds.spares[0]
	var got customerList
	if err := cw.fetch(ctx, spare.token, listPath(), &got); err != nil {
		return fmt.Errorf("%s database, spare account %s: %w", cw.ds.name, spare.token, err)
	}
	if len(got.Items) != 0 {
		return fmt.Errorf("%s database, spare account %s: want no customers, got %d", cw.ds.name, spare.token, len(got.Items))
	}
	return nil
}

func (cw *customerWorkload) verifyAccount(ctx context.Context, a *benchAccount) error {
	var c struct {
		ID string `json:"id"`
	}
	id := a.customers[len(a.customers)-1]
	if err := cw.fetch(ctx, a.token, customerPath(id), &c); err != nil {
		return err
	}
	if c.ID != id {
		return fmt.Errorf("GET %s: got id %q", customerPath(id), c.ID)
	}
	var list customerList
	if err := cw.fetch(ctx, a.token, listPath(), &list); err != nil {
		return err
	}
	if len(list.Items) != listSize || list.TotalCount != listSize || list.ContinuationToken == "" {
		return fmt.Errorf("GET %s: want %d items and a continuationToken (of %d customers), got totalCount %d, %d items, token %q",
			listPath(), listSize, len(a.customers), list.TotalCount, len(list.Items), list.ContinuationToken)
	}
	for i, it := range list.Items {
		if it.ID != a.customers[i] {
			return fmt.Errorf("GET %s: item %d is %s, want %s (creation order)", listPath(), i, it.ID, a.customers[i])
		}
	}
	for j, r := range a.resellers {
		var f customerList
		if err := cw.fetch(ctx, a.token, filterPath(r), &f); err != nil {
			return err
		}
		if len(f.Items) != a.byReseller[j] || f.TotalCount != a.byReseller[j] || f.ContinuationToken != "" {
			return fmt.Errorf("filter by reseller %s: want all %d of its customers on one page, got totalCount %d, %d items, token %q",
				r, a.byReseller[j], f.TotalCount, len(f.Items), f.ContinuationToken)
		}
		for _, it := range f.Items {
			if it.AssociatedPartnerID != r {
				return fmt.Errorf("filter by reseller %s: item %s has associatedPartnerId %q", r, it.ID, it.AssociatedPartnerID)
			}
		}
	}
	return nil
}

// fetch sends one untimed GET, wants 200 and decodes the body into v.
func (cw *customerWorkload) fetch(ctx context.Context, token, path string, v any) error {
	req, err := cw.get(ctx, token, path)
	if err != nil {
		return err
	}
	return setupRequest(req, func(resp *http.Response, body []byte) error {
		if err := checkStatus(http.StatusOK)(resp, body); err != nil {
			return err
		}
		if err := json.Unmarshal(body, v); err != nil {
			return fmt.Errorf("%.300s: %w", body, err)
		}
		return nil
	})
}

// pair is one customer operation at one connection count on both databases.
type pair struct {
	small, large result
}

// customerReport is the customer part of the report.
type customerReport struct {
	seeding                []seeding
	ops                    []string // operation names in run order
	pairs                  map[string]map[int]pair
	targeted               map[string]bool // operations the 1.5× target applies to
	rssSmall, rssLarge     int64           // after load
	hwmSmall, hwmLarge     int64
	readySmall, readyLarge time.Duration // exec → first 200 of /_mock/ready
}

func (c *customerReport) results() []result {
	var all []result
	for _, op := range c.ops {
		for _, conns := range customerConns {
			p := c.pairs[op][conns]
			all = append(all, p.small, p.large)
		}
	}
	return all
}

// measureCustomers builds the small and the large database, starts one
// instance on each, checks them, then times every customer operation at
// each connection count on both (measurePair).
func measureCustomers(ctx context.Context, cfg config, bin, dir string, progress func(string, ...any)) (*customerReport, error) {
	cr := &customerReport{pairs: map[string]map[int]pair{}, targeted: map[string]bool{}}
	spares := spareAccounts(cfg.n)
	var sets [2]*dataset
	var ins [2]*instance
	defer func() {
		for _, in := range ins {
			if in != nil {
				if err := in.stop(); err != nil {
					progress("warning: stopping a customer instance: %v", err)
				}
			}
		}
	}()
	for i, db := range []struct {
		name     string
		accounts int
	}{{"small", smallAccounts}, {"large", cfg.accounts}} {
		path := databasePath(dir, db.name)
		progress("customers: seeding the %s database: %d accounts × %d customers + %d empty accounts",
			db.name, db.accounts, customersPerAccount, spares)
		ds, s, err := buildDatabase(ctx, db.name, path, db.accounts, spares)
		if err != nil {
			return nil, err
		}
		progress("customers: %s database seeded in %s (store.Seed %s)", db.name, s.total.Round(time.Millisecond), s.seed.Round(time.Millisecond))
		cr.seeding = append(cr.seeding, s)
		sets[i] = ds
	}
	for i, ds := range sets {
		in, err := startInstance(ctx, bin, "--db", databasePath(dir, ds.name))
		if err != nil {
			return nil, err
		}
		ins[i] = in
		client := newClient(1)
		ready, err := in.waitReady(ctx, client)
		client.CloseIdleConnections()
		if err != nil {
			return nil, err
		}
		if i == 0 {
			cr.readySmall = ready
		} else {
			cr.readyLarge = ready
		}
	}
	var wls [2]*customerWorkload
	for i, ds := range sets {
		wls[i] = &customerWorkload{base: ins[i].baseURL(), ds: ds}
		if err := wls[i].verify(ctx); err != nil {
			return nil, fmt.Errorf("set up: %w", err)
		}
	}
	runID := randomHex(4)
	ops := func(cw *customerWorkload) []operation {
		return []operation{cw.getOp(), cw.listOp(), cw.filterOp(), cw.createOp(runID)}
	}
	smallOps, largeOps := ops(wls[0]), ops(wls[1])
	cr.targeted[smallOps[1].name], cr.targeted[smallOps[2].name] = true, true // list and filter
	for k := range smallOps {
		name := smallOps[k].name
		cr.ops = append(cr.ops, name)
		cr.pairs[name] = map[int]pair{}
		for _, conns := range customerConns {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			progress("customers: %s at %d conn(s), small/large/large/small: up to %d requests or %s per database",
				name, conns, cfg.n, cfg.customerDuration)
			p := measurePair(ctx, smallOps[k], largeOps[k], conns, cfg.n, cfg.customerDuration)
			p.small.op, p.large.op = "small database: "+name, "large database: "+name
			cr.pairs[name][conns] = p
		}
	}
	var err error
	if cr.rssSmall, cr.hwmSmall, err = ins[0].memory(); err != nil {
		return nil, err
	}
	if cr.rssLarge, cr.hwmLarge, err = ins[1].memory(); err != nil {
		return nil, err
	}
	return cr, nil
}

// abbaHalves is how many parts measurePair splits a database's phase into.
const abbaHalves = 2

// measurePair times op on the small and the large instance in the order
// small, large, large, small, each part with half the requests and half the
// time, and merges the halves: drift in machine load (a shared VM) then
// weighs on both databases alike instead of on whichever ran second.
func measurePair(ctx context.Context, small, large operation, conns, maxN int, maxDur time.Duration) pair {
	if maxN < abbaHalves {
		return pair{small: measure(ctx, small, conns, maxN, maxDur), large: measure(ctx, large, conns, maxN, maxDur)}
	}
	n1, d := maxN/abbaHalves, maxDur/abbaHalves
	s1 := measure(ctx, small, conns, n1, d)
	l1 := measure(ctx, large, conns, n1, d)
	l2 := measure(ctx, large, conns, maxN-n1, d)
	s2 := measure(ctx, small, conns, maxN-n1, d)
	return pair{small: merge(s1, s2), large: merge(l1, l2)}
}

// merge joins two measurements of one operation at one connection count.
func merge(a, b result) result {
	r := result{op: a.op, conns: a.conns, elapsed: a.elapsed + b.elapsed, errors: a.errors + b.errors, firstErr: a.firstErr}
	if r.firstErr == nil {
		r.firstErr = b.firstErr
	}
	r.latency = slices.Concat(a.latency, b.latency)
	slices.Sort(r.latency)
	return r
}
