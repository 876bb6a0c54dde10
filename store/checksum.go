package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// TableChecksum is one table's row count and digests of its contents.
type TableChecksum struct {
	Rows   int
	Digest string // over the sorted row digests: equal digests, equal tables
	// RowDigests holds one digest per row, sorted, so a caller can tell
	// which rows a change added or removed.
	RowDigests []string
}

// Checksum digests every table of the database (migrations, business
// tables, snapshots, secrets, and any table a later migration adds) in one
// read transaction. Row order does not matter; every column's type and
// value does. It is for tests that prove a request changed nothing.
func (s *Store) Checksum(ctx context.Context) (map[string]TableChecksum, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	out := make(map[string]TableChecksum, len(tables))
	for _, table := range tables {
		sum, err := checksumTable(ctx, tx, table)
		if err != nil {
			return nil, fmt.Errorf("checksum %s: %w", table, err)
		}
		out[table] = sum
	}
	return out, nil
}

func checksumTable(ctx context.Context, tx *sql.Tx, table string) (TableChecksum, error) {
	rows, err := tx.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		return TableChecksum{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return TableChecksum{}, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var sum TableChecksum
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableChecksum{}, err
		}
		h := sha256.New()
		for i, v := range vals {
			// Type and length prefixes keep ("ab","c") apart from ("a","bc").
			var b []byte
			switch t := v.(type) {
			case nil:
			case []byte:
				b = t
			case string:
				b = []byte(t)
			default:
				b = fmt.Appendf(nil, "%v", t)
			}
			fmt.Fprintf(h, "%s:%T:%d:", cols[i], v, len(b))
			h.Write(b)
		}
		sum.RowDigests = append(sum.RowDigests, hex.EncodeToString(h.Sum(nil)))
	}
	if err := rows.Err(); err != nil {
		return TableChecksum{}, err
	}
	slices.Sort(sum.RowDigests)
	sum.Rows = len(sum.RowDigests)
	all := sha256.Sum256([]byte(strings.Join(sum.RowDigests, "\n")))
	sum.Digest = hex.EncodeToString(all[:])
	return sum, nil
}
