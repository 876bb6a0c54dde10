package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchSeed is 10 accounts, each with 5 resellers and 75 customers
// (SPEC §5's limits, full).
func benchSeed() Snapshot {
	var snap Snapshot
	for a := range 10 {
		as := testAccount(fmt.Sprintf("00000000-0000-4000-8000-%012d", a+1), fmt.Sprintf("bench%d.onmicrosoft.com", a))
		for r := range 5 {
			as.Resellers = append(as.Resellers, Reseller{ID: fmt.Sprintf("00000000-0000-4000-9000-%06d%06d", a, r), MpnID: "1",
				DomainPrefix: fmt.Sprintf("bench%dr%d", a, r), Name: "R", Country: "US", AdminUserName: "admin", CreatedAt: time.Unix(int64(r), 0)})
		}
		for c := range 75 {
			reseller := ""
			if c%3 != 0 {
				reseller = as.Resellers[c%5].ID
			}
			as.Customers = append(as.Customers, Customer{ID: fmt.Sprintf("00000000-0000-4000-a000-%06d%06d", a, c), ResellerID: reseller,
				CommerceID: "c", Domain: fmt.Sprintf("bench%dc%d.example.com", a, c), CreatedAt: time.Unix(int64(c), 0),
				Billing: BillingProfile{ID: "b", Email: "a@b.c", Culture: "en-US", Language: "en", CompanyName: "C", ETag: "1",
					Address: Address{Country: "US", City: "Redmond", AddressLine1: "1 Way", PostalCode: "98052"}}})
		}
		snap.Accounts = append(snap.Accounts, as)
	}
	return snap
}

func benchStore(b *testing.B, db string) (*Store, Snapshot) {
	b.Helper()
	path := ""
	if db == "file" {
		path = filepath.Join(b.TempDir(), "b.db")
	}
	s, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	seed := benchSeed()
	if err := s.Seed(context.Background(), seed); err != nil {
		b.Fatal(err)
	}
	return s, seed
}

// BenchmarkResetAll: POST /_mock/reset's store work on the 10-account seed,
// in the steady state (the first reset saves the seed snapshot).
func BenchmarkResetAll(b *testing.B) {
	for _, db := range []string{"memory", "file"} {
		b.Run(db, func(b *testing.B) {
			s, seed := benchStore(b, db)
			for b.Loop() {
				if err := s.ResetAll(context.Background(), "bench", seed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRestoreSnapshot: POST /_mock/snapshots/{name}/restore's store
// work on the same state.
func BenchmarkRestoreSnapshot(b *testing.B) {
	for _, db := range []string{"memory", "file"} {
		b.Run(db, func(b *testing.B) {
			s, _ := benchStore(b, db)
			if err := s.SaveSnapshot(context.Background(), "bench"); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := s.RestoreSnapshot(context.Background(), "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
