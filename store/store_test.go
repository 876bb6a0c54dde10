package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

func testAccount(id, domain string) AccountSeed {
	return AccountSeed{Account: Account{ID: id, Name: "Test", Domain: domain, Kind: Sandbox, MpnID: "1",
		Country: "US", Limits: limits.SandboxDefaults()}}
}

func TestTheInMemoryDatabaseIsOneDatabaseForThePool(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each write and each read may land on another pooled connection.
			if _, err := s.EnsureAutoAccount(ctx, fmt.Sprintf("token-%d", i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var count int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&count); err != nil || count != n {
		t.Fatalf("%d accounts seen (err %v), want %d", count, err, n)
	}
	// A second in-memory store is a different database.
	other, err := Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if empty, _ := other.IsEmpty(ctx); !empty {
		t.Error("two in-memory stores share a database")
	}
}

func TestConcurrentFirstUsesOfATokenCreateOneAccount(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.EnsureAutoAccount(ctx, "same-token"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var count int
	s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&count)
	if count != 1 {
		t.Fatalf("%d accounts for one token", count)
	}
	p, err := s.PrincipalForToken(ctx, "same-token")
	want, _ := AutoAccount("same-token")
	if err != nil || p.Account.ID != want.ID || p.UPN != "admin@"+want.Domain || p.AppOnly {
		t.Errorf("principal %+v, %v", p, err)
	}
}

func TestAutoAccountsDeriveEverythingFromTheToken(t *testing.T) {
	a, u := AutoAccount("abc")
	b, _ := AutoAccount("abc")
	c, _ := AutoAccount("abd")
	if a.ID != b.ID || a.ID == c.ID {
		t.Fatal("ids are not a pure function of the token")
	}
	if a.Name != "Sandbox "+a.ID[:8] || a.Domain != "sandbox"+a.ID[:8]+".onmicrosoft.com" || u.UPN != "admin@"+a.Domain {
		t.Errorf("account %+v user %+v", a, u)
	}
	if len(a.MpnID) != 7 || a.Kind != Sandbox || a.Country != "US" || a.Address.City != "Redmond" {
		t.Errorf("account %+v", a)
	}
}

func TestSeedIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap := Snapshot{Accounts: []AccountSeed{
		testAccount("00000000-0000-4000-8000-000000000001", "one.onmicrosoft.com"),
		testAccount("00000000-0000-4000-8000-000000000002", "ONE.onmicrosoft.com"), // same domain
	}}
	err = s.Seed(ctx, snap)
	var taken *DomainTakenError
	if !errors.As(err, &taken) || taken.Domain != "one.onmicrosoft.com" {
		t.Fatalf("seed error = %v, want DomainTakenError", err)
	}
	if empty, _ := s.IsEmpty(ctx); !empty {
		t.Error("a failed seed left accounts behind")
	}
}

func TestWriteStoresResponsesAndRollsBackRefusals(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Seed(ctx, Snapshot{Accounts: []AccountSeed{testAccount("00000000-0000-4000-8000-000000000001", "one.onmicrosoft.com")}}); err != nil {
		t.Fatal(err)
	}
	key := &IdempotencyKey{Account: "a", RequestID: "r", Method: "POST", Path: "/x"}
	calls := 0
	refuse := func(tx *Tx) Response {
		calls++
		if err := tx.takeDomain(ctx, "half.example.com", "a", "customer", "c"); err != nil {
			t.Fatal(err)
		}
		return Response{Status: 409, ContentType: "application/json", Body: []byte(`{"code":1003}`)}
	}
	res, err := s.Write(ctx, WriteOptions{Key: key, Fingerprint: []byte("f")}, refuse)
	if err != nil || res.Replayed || res.Response.Status != 409 {
		t.Fatalf("first write: %+v %v", res, err)
	}
	var n int
	s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE name = 'half.example.com'`).Scan(&n)
	if n != 0 {
		t.Error("a refused write kept its effect")
	}
	res, err = s.Write(ctx, WriteOptions{Key: key, Fingerprint: []byte("f")}, refuse)
	if err != nil || !res.Replayed || string(res.Response.Body) != `{"code":1003}` || calls != 1 {
		t.Fatalf("replay: %+v %v (fn ran %d times)", res, err, calls)
	}
	if _, err := s.Write(ctx, WriteOptions{Key: key, Fingerprint: []byte("g")}, refuse); !errors.Is(err, ErrIdempotencyMismatch) {
		t.Fatalf("different fingerprint: %v", err)
	}
	// A 5xx is neither kept nor stored.
	key5 := &IdempotencyKey{Account: "a", RequestID: "r5", Method: "POST", Path: "/x"}
	fail := func(tx *Tx) Response {
		tx.takeDomain(ctx, "five.example.com", "a", "customer", "c")
		return Response{Status: 500}
	}
	s.Write(ctx, WriteOptions{Key: key5, Fingerprint: []byte("f")}, fail)
	s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE name = 'five.example.com'`).Scan(&n)
	var stored int
	s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM idempotency WHERE request_id = 'r5'`).Scan(&stored)
	if n != 0 || stored != 0 {
		t.Errorf("a 5xx kept %d domains and %d stored responses", n, stored)
	}
}

func TestStoredResponsesExpireAfterTheirTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db"), IdempotencyTTL: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := &IdempotencyKey{Account: "a", RequestID: "r", Method: "POST", Path: "/x"}
	calls := 0
	fn := func(*Tx) Response { calls++; return Response{Status: 201, Body: []byte(fmt.Sprint(calls))} }
	s.Write(ctx, WriteOptions{Key: key}, fn)
	now = now.Add(59 * time.Minute)
	if res, _ := s.Write(ctx, WriteOptions{Key: key}, fn); !res.Replayed {
		t.Fatal("not replayed within the TTL")
	}
	now = now.Add(2 * time.Minute)
	if res, _ := s.Write(ctx, WriteOptions{Key: key}, fn); res.Replayed || string(res.Response.Body) != "2" {
		t.Fatalf("replayed after the TTL: %+v", res)
	}
	now = now.Add(2 * time.Hour)
	if n, err := s.SweepIdempotency(ctx); err != nil || n != 1 {
		t.Fatalf("sweep removed %d (err %v), want 1", n, err)
	}
}

func TestSeedLoadsCustomersWithTheirDomains(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	as := testAccount("00000000-0000-4000-8000-000000000001", "one.onmicrosoft.com")
	as.Customers = []Customer{{ID: "00000000-0000-4000-8000-0000000000C1", CommerceID: "x", Domain: "Cust.Example.com",
		Billing: BillingProfile{ID: "b", Email: "a@b.c", Culture: "en-US", Language: "en", CompanyName: "C", ETag: "1"}}}
	if err := s.Seed(ctx, Snapshot{Accounts: []AccountSeed{as}}); err != nil {
		t.Fatal(err)
	}
	c, err := s.CustomerByID(ctx, as.Account.ID, "00000000-0000-4000-8000-0000000000c1")
	if err != nil || c.Domain != "cust.example.com" || c.Billing.CompanyName != "C" {
		t.Fatalf("seeded customer %+v, %v", c, err)
	}
	if taken, _ := s.DomainTaken(ctx, "CUST.example.com"); !taken {
		t.Error("a seeded customer's domain is free")
	}
}

func TestASeedMakesIdsAndPasswordsReproducible(t *testing.T) {
	ctx := context.Background()
	create := func(seed uint64) Reseller {
		s, err := Open(ctx, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		as := testAccount("00000000-0000-4000-8000-000000000001", "one.onmicrosoft.com")
		if err := s.Seed(ctx, Snapshot{Accounts: []AccountSeed{as}}); err != nil {
			t.Fatal(err)
		}
		var r Reseller
		_, err = s.Write(ctx, WriteOptions{}, func(tx *Tx) Response {
			var err error
			if r, err = tx.CreateReseller(ctx, as.Account.ID, NewReseller{MpnID: "1", DomainPrefix: "p", Country: "US", AdminUserName: "admin"}); err != nil {
				t.Fatal(err)
			}
			return Response{Status: 201}
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := create(42), create(42), create(43)
	if a.ID != b.ID || a.Password != b.Password || a.AgreementID != b.AgreementID {
		t.Errorf("seed 42 twice: %s/%s and %s/%s", a.ID, a.Password, b.ID, b.Password)
	}
	if a.ID == c.ID || a.Password == c.Password {
		t.Error("seeds 42 and 43 give the same id or password")
	}
}

func TestAnAutoAccountWorksWhenItsDomainIsTaken(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _ := AutoAccount("late-token")
	holder := testAccount("00000000-0000-4000-8000-000000000001", a.Domain) // takes the domain first
	if err := s.Seed(ctx, Snapshot{Accounts: []AccountSeed{holder}}); err != nil {
		t.Fatal(err)
	}
	p, err := s.EnsureAutoAccount(ctx, "late-token")
	if err != nil || p.Account.ID != a.ID {
		t.Fatalf("auto account with a taken domain: %+v, %v", p, err)
	}
}
