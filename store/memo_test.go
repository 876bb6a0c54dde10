package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mocksandbox/mocksandbox/limits"
)

// The memo must never serve a principal or an account that a committed
// write has changed.
func TestCachedLookupsSeeEveryCommittedWrite(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	a := seed.Accounts[0].Account.ID
	limitOf := func(t *testing.T) int {
		t.Helper()
		p, err := s.CachedPrincipalForToken(ctx, "one")
		if err != nil {
			t.Fatal(err)
		}
		acc, err := s.CachedAccountByID(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if p.Account.Limits.Resellers == nil || acc.Limits.Resellers == nil || *p.Account.Limits.Resellers != *acc.Limits.Resellers {
			t.Fatalf("principal limits %+v, account limits %+v", p.Account.Limits, acc.Limits)
		}
		return *p.Account.Limits.Resellers
	}
	setLimit := func(t *testing.T, n int) {
		t.Helper()
		if err := s.SetLimits(ctx, a, limits.Limits{Resellers: &n}); err != nil {
			t.Fatal(err)
		}
	}

	if got := limitOf(t); got != 5 || limitOf(t) != 5 {
		t.Fatalf("seeded reseller limit %d, want 5", got)
	}
	setLimit(t, 3)
	if got := limitOf(t); got != 3 {
		t.Errorf("after new limits: %d, want 3", got)
	}
	if err := s.SaveSnapshot(ctx, "three"); err != nil {
		t.Fatal(err)
	}
	setLimit(t, 4)
	limitOf(t)
	if err := s.RestoreSnapshot(ctx, "three"); err != nil {
		t.Fatal(err)
	}
	if got := limitOf(t); got != 3 {
		t.Errorf("after a snapshot restore: %d, want 3", got)
	}
	if err := s.ResetAll(ctx, "seed", seed); err != nil {
		t.Fatal(err)
	}
	if got := limitOf(t); got != 5 {
		t.Errorf("after a reset: %d, want 5", got)
	}
	if err := s.ResetAccount(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CachedPrincipalForToken(ctx, "one"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the token of an account a per-account reset removed: %v, want ErrNotFound", err)
	}
	if _, err := s.CachedAccountByID(ctx, a); !errors.Is(err, ErrNotFound) {
		t.Errorf("an account a per-account reset removed: %v, want ErrNotFound", err)
	}
	if err := s.ResetAccount(ctx, a, &seed.Accounts[0]); err != nil {
		t.Fatal(err)
	}
	if got := limitOf(t); got != 5 {
		t.Errorf("after a per-account reset: %d, want 5", got)
	}

	r := s.mustCreateReseller(t, a, "memo")
	if _, err := s.wdb.Exec(`INSERT INTO tokens (token, account_id, reseller_id) VALUES ('reseller-token', ?, ?)`, a, r.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := s.CachedPrincipalForToken(ctx, "reseller-token"); err != nil || p.Reseller == nil || p.Reseller.ID != r.ID {
		t.Fatalf("reseller token: %+v, %v", p, err)
	}
	_, err := s.Write(ctx, WriteOptions{}, func(tx *Tx) Response {
		if err := tx.DeleteReseller(ctx, a, r.ID); err != nil {
			t.Fatal(err)
		}
		return Response{Status: 204}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CachedPrincipalForToken(ctx, "reseller-token"); !errors.Is(err, ErrResellerNotLive) {
		t.Errorf("the token of a deleted reseller: %v, want ErrResellerNotLive", err)
	}
}

func TestTheMemoForgetsValuesReadBeforeAWrite(t *testing.T) {
	var m memo
	_, _, gen := m.lookup("k")
	m.forget() // a write commits while "k" is being read
	m.remember("k", gen, 1)
	if _, ok, _ := m.lookup("k"); ok {
		t.Error("a value read before a commit was remembered after it")
	}
	_, _, gen = m.lookup("k")
	m.remember("k", gen, 2)
	if v, ok, _ := m.lookup("k"); !ok || v != 2 {
		t.Errorf("lookup = %v, %v; want 2", v, ok)
	}
	for i := range memoMax + 1 {
		m.remember(string(rune(i+1000)), gen, i)
	}
	if len(m.m) > memoMax {
		t.Errorf("the memo holds %d values, more than %d", len(m.m), memoMax)
	}
}

func TestTheWALIsCheckpointedInTheBackgroundNotByCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var pages int
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != 0 {
		t.Fatalf("the writer's wal_autocheckpoint = %d, %v; want 0", pages, err)
	}
	before := fileSize(t, path)
	var seed Snapshot
	for i := range 200 {
		seed.Accounts = append(seed.Accounts, testAccount(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("a%d.onmicrosoft.com", i)))
	}
	if err := s.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); fileSize(t, path) == before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes 5s after a commit: nothing checkpointed the WAL", before)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Writes that change nothing authentication reads keep the memo; a change
// to any table it reads, by any statement, makes it forget.
func TestTheMemoForgetsOnlyWhenWhatItReadsChanges(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	a := seed.Accounts[0].Account.ID
	remembered := func() bool {
		_, ok, _ := s.memo.lookup("token\x00one")
		return ok
	}
	load := func(t *testing.T) {
		t.Helper()
		if _, err := s.CachedPrincipalForToken(ctx, "one"); err != nil || !remembered() {
			t.Fatalf("the principal of token one is not remembered (%v)", err)
		}
	}
	load(t)
	r := s.mustCreateReseller(t, a, "kept")
	_, err := s.Write(ctx, WriteOptions{}, func(tx *Tx) Response {
		if _, err := tx.CreateCustomer(ctx, a, NewCustomer{ResellerID: r.ID, Domain: "keptcustomer.onmicrosoft.com",
			Billing: BillingProfile{CompanyName: "Kept", Address: Address{Country: "US"}}}); err != nil {
			t.Fatal(err)
		}
		return Response{Status: 201}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !remembered() {
		t.Error("creating a reseller and a customer made the memo forget")
	}

	for _, stmt := range []string{
		`INSERT INTO accounts (id, name, domain, kind, mpn_id, country) VALUES ('x', 'X', 'x.example', 'sandbox', '1', 'US')`,
		`UPDATE accounts SET email = 'new@example.com' WHERE id = '` + a + `'`,
		`INSERT INTO users (upn, account_id, object_id) VALUES ('u@x.example', '` + a + `', 'o')`,
		`UPDATE users SET password = 'p'`,
		`DELETE FROM users WHERE upn = 'u@x.example'`,
		`INSERT INTO apps (app_id, account_id, key) VALUES ('app', '` + a + `', 'k')`,
		`UPDATE apps SET key = 'k2'`,
		`DELETE FROM apps`,
		`INSERT INTO tokens (token, account_id) VALUES ('t2', '` + a + `')`,
		`UPDATE tokens SET app_only = 1 WHERE token = 't2'`,
		`DELETE FROM tokens WHERE token = 't2'`,
		`UPDATE resellers SET name = 'Renamed' WHERE id = '` + r.ID + `'`,
		`DELETE FROM customers; DELETE FROM domains WHERE owner_kind <> 'account'; DELETE FROM resellers`,
		`DELETE FROM accounts WHERE id = 'x'`,
	} {
		load(t)
		if err := s.update(ctx, func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, stmt)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		if remembered() {
			t.Errorf("the memo still holds the principal after %s", stmt)
		}
	}
}
