package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestChecksumSeesEveryChangeAndNothingElse(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"", filepath.Join(t.TempDir(), "sum.db")} {
		s, err := Open(ctx, Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Seed(ctx, Snapshot{Accounts: []AccountSeed{testAccount("5a0d0000-0000-4000-8000-000000000001", "sum.onmicrosoft.com")}}); err != nil {
			t.Fatal(err)
		}
		before, err := s.Checksum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"accounts", "domains", "customers", "idempotency", "snapshots", "migrations"} {
			if _, ok := before[table]; !ok {
				t.Errorf("%s: checksum lacks table %s", describe(path), table)
			}
		}
		if before["accounts"].Rows != 1 || before["domains"].Rows != 1 {
			t.Errorf("%s: rows: accounts %d, domains %d, want 1 and 1", describe(path), before["accounts"].Rows, before["domains"].Rows)
		}
		again, err := s.Checksum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for table, sum := range before {
			if again[table].Digest != sum.Digest {
				t.Errorf("%s: checksum of unchanged %s differs between reads", describe(path), table)
			}
		}

		if _, err := s.EnsureAutoAccount(ctx, "checksum-token"); err != nil {
			t.Fatal(err)
		}
		after, err := s.Checksum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"accounts", "users", "tokens", "domains"} {
			if after[table].Digest == before[table].Digest || after[table].Rows != before[table].Rows+1 {
				t.Errorf("%s: %s: %d → %d rows, digest changed %v; want one more row", describe(path), table,
					before[table].Rows, after[table].Rows, after[table].Digest != before[table].Digest)
			}
		}
		if after["customers"].Digest != before["customers"].Digest {
			t.Errorf("%s: customers checksum changed without a customer write", describe(path))
		}
	}
}
