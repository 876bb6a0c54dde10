package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/mocksandbox/mocksandbox/limits"
	"github.com/mocksandbox/mocksandbox/store"
)

const (
	// smallAccounts is how many full accounts the small database holds.
	smallAccounts = 10
	// customersPerAccount fills every full account to its sandbox limit (SPEC §5).
	customersPerAccount = 75
	// resellersPerAccount is the sandbox reseller limit (SPEC §5).
	resellersPerAccount = 5
)

// benchAccount is one seeded sandbox account as the bench addresses it.
type benchAccount struct {
	token     string   // static App+User token (the floor's account key)
	resellers []string // live resellers' tenant ids: 2, or none
	customers []string // customer ids in creation order
}

// resellerOf is the reseller of the account's j-th customer: customer j
// belongs to reseller j mod 3 when that is 0 or 1 and is direct otherwise,
// so each reseller has 25 of the 75 customers.
func (a *benchAccount) resellerOf(j int) string {
	if k := j % 3; k < len(a.resellers) {
		return a.resellers[k]
	}
	return ""
}

// dataset is what one generated database holds. The small and the large
// one differ only in their number of full accounts.
type dataset struct {
	name string
	// full accounts hold customersPerAccount customers each; the read
	// operations go round-robin over them.
	full []benchAccount
	// customerSpares have 2 resellers and no customers: the customer
	// creates go round-robin over them (the full accounts are at their
	// 75-customer limit).
	customerSpares []benchAccount
	// resellerSpares have no resellers: the reseller creates go
	// round-robin over them, at most 5 each.
	resellerSpares []benchAccount
	// extra has 2 resellers: set-up creates one customer (to learn the
	// size of the answer) and the reseller that the replay re-sends.
	extra benchAccount
}

func (d *dataset) customers() int { return len(d.full) * customersPerAccount }

func (d *dataset) accounts() int {
	return len(d.full) + len(d.customerSpares) + len(d.resellerSpares) + 1
}

// spares is how many spare accounts of each kind take every create that
// one run can send to a server: n timed requests and the warm-ups of both
// halves, at each connection count, plus wrk's spare request per
// connection for the warm-up and the timed part of each half.
type spares struct{ customer, reseller int }

func spareAccounts(n int) spares {
	most := 0
	for _, c := range connCounts {
		most += n + halves*(warmupsPerConn+2)*c
	}
	return spares{
		customer: (most + customersPerAccount - 1) / customersPerAccount,
		reseller: (most + resellersPerAccount - 1) / resellersPerAccount,
	}
}

// generate builds the snapshot of a dataset: full accounts with 2
// resellers and 75 customers each, then the spare accounts. Every account
// is a sandbox account with default limits, one user and a static App+User
// token.
func generate(name string, full int, sp spares) (store.Snapshot, *dataset) {
	ds := &dataset{name: name}
	total := full + sp.customer + sp.reseller + 1
	snap := store.Snapshot{Accounts: make([]store.AccountSeed, 0, total)}
	epoch := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seq := 0 // every created row gets a later time than the one before
	at := func() time.Time { seq++; return epoch.Add(time.Duration(seq) * time.Millisecond) }
	for g := range total {
		label, token, resellers := fmt.Sprintf("benchacct%d", g), "bench-acct-"+strconv.Itoa(g), 2
		switch {
		case g < full:
		case g < full+sp.customer:
			label, token = fmt.Sprintf("benchcspare%d", g-full), "bench-cspare-"+strconv.Itoa(g-full)
		case g < full+sp.customer+sp.reseller:
			i := g - full - sp.customer
			label, token, resellers = fmt.Sprintf("benchrspare%d", i), "bench-rspare-"+strconv.Itoa(i), 0
		default:
			label, token = "benchextra", "bench-extra"
		}
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
		ba := benchAccount{token: token}
		seed := store.AccountSeed{
			Account: a,
			Users:   []store.User{{UPN: upn, ObjectID: uuid.NewString()}},
			Tokens:  []store.Token{{Token: ba.token, UserUPN: upn}},
		}
		for j := range resellers {
			r := store.Reseller{
				ID:            uuid.NewString(),
				MpnID:         strconv.Itoa(3000000 + 2*g + j),
				DomainPrefix:  fmt.Sprintf("%sr%d", label, j),
				Name:          fmt.Sprintf("Bench Reseller %d-%d", g, j),
				Country:       "US",
				AdminUserName: "admin",
				CreatedAt:     at(),
			}
			ba.resellers = append(ba.resellers, r.ID)
			seed.Resellers = append(seed.Resellers, r)
		}
		switch {
		case g < full:
			for j := range customersPerAccount {
				c := newSeedCustomer(label, j, at())
				c.ResellerID = ba.resellerOf(j)
				ba.customers = append(ba.customers, c.ID)
				seed.Customers = append(seed.Customers, c)
			}
			ds.full = append(ds.full, ba)
		case g < full+sp.customer:
			ds.customerSpares = append(ds.customerSpares, ba)
		case g < full+sp.customer+sp.reseller:
			ds.resellerSpares = append(ds.resellerSpares, ba)
		default:
			ds.extra = ba
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

// seeding is how long building one database took, for one server.
type seeding struct {
	generate, seed, total time.Duration // generate the data; the insert alone; all of it
	fileBytes             int64
}

// buildMockDatabase generates a dataset and writes it into a new SQLite
// file at path the way the mock itself would (store.Open, one store.Seed),
// then closes it (checkpointing the WAL into the file).
func buildMockDatabase(ctx context.Context, name, path string, full int, sp spares) (*dataset, seeding, error) {
	var s seeding
	t := time.Now()
	snap, ds := generate(name, full, sp)
	s.generate = time.Since(t)
	begin := time.Now()
	st, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		return nil, s, err
	}
	t = time.Now()
	if err := st.Seed(ctx, snap); err != nil {
		st.Close()
		return nil, s, fmt.Errorf("seed %s: %w", path, err)
	}
	s.seed = time.Since(t)
	if err := st.Close(); err != nil {
		return nil, s, fmt.Errorf("close %s: %w", path, err)
	}
	s.total = time.Since(begin)
	s.fileBytes = fileSize(path)
	snap = store.Snapshot{}
	debug.FreeOSMemory() // the large snapshot is over a gigabyte
	return ds, s, nil
}

// sizes are the body sizes of the mock's answers on one database, which
// the floor copies.
type sizes struct {
	doc, item          int // GET /v1/customers/{id}; one customer in a list page
	list, filter       int // a list page of listSize; a filter page of one reseller's customers
	customer, reseller int // 201 bodies of the creates
}

// buildFloorDatabase has the floor binary create its database at path with
// the dataset's full accounts (the floor has no limits, so it needs no
// spare accounts), each customer sized as sz says.
func buildFloorDatabase(ctx context.Context, floor program, path string, ds *dataset, sz sizes) (seeding, error) {
	var s seeding
	begin := time.Now()
	cmd := exec.CommandContext(ctx, floor.path, "seed", "--db", path,
		"--doc-bytes", strconv.Itoa(sz.doc), "--item-bytes", strconv.Itoa(sz.item))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return s, err
	}
	if err := cmd.Start(); err != nil {
		return s, err
	}
	bw := bufio.NewWriterSize(stdin, 1<<20)
	for i := range ds.full {
		a := &ds.full[i]
		for j, id := range a.customers {
			fmt.Fprintf(bw, "%s\t%s\t%s\n", a.token, a.resellerOf(j), id)
		}
	}
	werr := errors.Join(bw.Flush(), stdin.Close())
	if err := cmd.Wait(); err != nil || werr != nil {
		return s, fmt.Errorf("floor seed %s: %v %v: %s", path, err, werr, out.Bytes())
	}
	s.total = time.Since(begin)
	s.seed = s.total
	s.fileBytes = fileSize(path)
	return s, nil
}

func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func databasePath(dir, server, name string) string {
	return filepath.Join(dir, server+"-"+name+".db")
}
