package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/mocksandbox/mocksandbox/limits"
)

func stateStore(t *testing.T) (*Store, Snapshot) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seed := Snapshot{Accounts: []AccountSeed{
		testAccount("00000000-0000-4000-8000-000000000001", "one.onmicrosoft.com"),
		testAccount("00000000-0000-4000-8000-000000000002", "two.onmicrosoft.com"),
	}}
	seed.Accounts[0].Tokens = []Token{{Token: "one"}}
	if err := s.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	return s, seed
}

func (s *Store) mustCreateReseller(t *testing.T, account, prefix string) Reseller {
	t.Helper()
	var r Reseller
	_, err := s.Write(context.Background(), WriteOptions{Key: &IdempotencyKey{Account: account, RequestID: prefix, Method: "POST", Path: "/x"}},
		func(tx *Tx) Response {
			var err error
			if r, err = tx.CreateReseller(context.Background(), account, NewReseller{MpnID: "1", DomainPrefix: prefix, Country: "US", AdminUserName: "admin"}); err != nil {
				t.Fatal(err)
			}
			return Response{Status: 201}
		})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *Store) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResetAllReturnsToTheSeed(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	s.mustCreateReseller(t, seed.Accounts[0].Account.ID, "gone")
	s.EnsureAutoAccount(ctx, "auto-token")
	if err := s.ResetAll(ctx, "test", seed); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int{"accounts": 2, "resellers": 0, "idempotency": 0, "tokens": 1, "domains": 2} {
		if got := s.count(t, table); got != want {
			t.Errorf("%s: %d rows after reset, want %d", table, got, want)
		}
	}
}

func TestResetAccountLeavesOtherAccountsAlone(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	one, two := seed.Accounts[0], seed.Accounts[1]
	s.mustCreateReseller(t, one.Account.ID, "oneres")
	kept := s.mustCreateReseller(t, two.Account.ID, "twores")
	if err := s.ResetAccount(ctx, one.Account.ID, &one); err != nil {
		t.Fatal(err)
	}
	live, _ := s.LiveResellers(ctx, two.Account.ID)
	if len(live) != 1 || live[0].ID != kept.ID {
		t.Errorf("the other account's resellers: %+v", live)
	}
	if live, _ := s.LiveResellers(ctx, one.Account.ID); len(live) != 0 {
		t.Errorf("reset account still has %d resellers", len(live))
	}
	if _, err := s.PrincipalForToken(ctx, "one"); err != nil {
		t.Errorf("the seed's token is gone: %v", err)
	}
	// An auto-created account is removed; an unknown one is not found.
	s.EnsureAutoAccount(ctx, "auto")
	auto, _ := AutoAccount("auto")
	if err := s.ResetAccount(ctx, auto.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetAccount(ctx, auto.ID, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("resetting an unknown account: %v", err)
	}
}

func TestResetAccountRefusesADomainAnotherAccountHolds(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	one := seed.Accounts[0]
	// Account one's fixture gains a reseller whose domain account two now holds.
	one.Resellers = []Reseller{{ID: "00000000-0000-4000-8000-0000000000e1", MpnID: "1", DomainPrefix: "clash", Name: "C", Country: "US", AdminUserName: "admin"}}
	s.mustCreateReseller(t, seed.Accounts[1].Account.ID, "Clash")
	before := s.count(t, "domains")
	err := s.ResetAccount(ctx, one.Account.ID, &one)
	var held *DomainHeldError
	if !errors.As(err, &held) || held.Domain != "clash.onmicrosoft.com" || held.Holder != seed.Accounts[1].Account.ID {
		t.Fatalf("reset = %v, want DomainHeldError", err)
	}
	if s.count(t, "domains") != before || s.count(t, "accounts") != 2 {
		t.Error("a refused reset changed the state")
	}
}

func TestSnapshotsRestoreTheExactState(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	a := seed.Accounts[0].Account.ID
	first := s.mustCreateReseller(t, a, "snapped")
	if err := s.SaveSnapshot(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	s.mustCreateReseller(t, a, "after")
	if err := s.RestoreSnapshot(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	live, _ := s.LiveResellers(ctx, a)
	if len(live) != 1 || live[0].ID != first.ID || !live[0].CreatedAt.Equal(first.CreatedAt) || live[0].Password != first.Password {
		t.Fatalf("restored resellers %+v, want %+v", live, first)
	}
	// The stored response (a BLOB) survives byte for byte: a replay still matches.
	res, err := s.Write(ctx, WriteOptions{Key: &IdempotencyKey{Account: a, RequestID: "snapped", Method: "POST", Path: "/x"}},
		func(*Tx) Response { t.Fatal("the replay ran the handler"); return Response{} })
	if err != nil || !res.Replayed {
		t.Fatalf("replay after restore: %+v %v", res, err)
	}
	if err := s.RestoreSnapshot(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown snapshot: %v", err)
	}
	if err := s.SaveSnapshot(ctx, "one"); err != nil { // overwrite
		t.Fatal(err)
	}
	list, _ := s.Snapshots(ctx)
	if len(list) != 1 || list[0].Name != "one" {
		t.Errorf("snapshots %+v", list)
	}
}

func TestSetLimitsAndStateReadBack(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	a := seed.Accounts[0].Account.ID
	two := 2
	if err := s.SetLimits(ctx, a, limits.Limits{Resellers: &two}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.AccountByID(ctx, a)
	if *got.Limits.Resellers != 2 || got.Limits.Customers != nil {
		t.Errorf("limits %+v", got.Limits)
	}
	if err := s.SetLimits(ctx, "00000000-0000-4000-8000-00000000ffff", limits.Limits{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	s.mustCreateReseller(t, a, "stated")
	state, err := s.State(ctx)
	if err != nil || len(state.Accounts) != 2 || len(state.Accounts[0].Resellers) != 1 || len(state.Accounts[0].Tokens) != 1 {
		t.Fatalf("state %+v, %v", state, err)
	}
}

func TestRepeatedResetsRestoreTheSeedSnapshotAndHideIt(t *testing.T) {
	s, seed := stateStore(t)
	ctx := context.Background()
	a := seed.Accounts[0].Account.ID
	for i := range 3 { // the first reset seeds and saves; later ones restore
		s.mustCreateReseller(t, a, "again")
		if err := s.ResetAll(ctx, "k1", seed); err != nil {
			t.Fatal(err)
		}
		if s.count(t, "resellers") != 0 || s.count(t, "accounts") != 2 {
			t.Fatalf("reset %d left %d resellers, %d accounts", i, s.count(t, "resellers"), s.count(t, "accounts"))
		}
	}
	if list, _ := s.Snapshots(ctx); len(list) != 0 {
		t.Errorf("the internal seed snapshot is listed: %+v", list)
	}
	// Another seed (another key) is seeded afresh, and the old internal snapshot goes.
	other := Snapshot{Accounts: seed.Accounts[:1]}
	if err := s.ResetAll(ctx, "k2", other); err != nil {
		t.Fatal(err)
	}
	if s.count(t, "accounts") != 1 || s.count(t, "snapshots") != 1 {
		t.Errorf("after a new seed: %d accounts, %d internal snapshots", s.count(t, "accounts"), s.count(t, "snapshots"))
	}
}
