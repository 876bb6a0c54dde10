package main

import (
	"bufio"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	_ "github.com/mattn/go-sqlite3"
)

// schema holds what the bench's requests read and write. customers mirrors
// the mock's indexes for the same queries: (account, seq) for the list and
// (account, reseller, seq) for the filter. request_id is the idempotency key.
const schema = `
CREATE TABLE IF NOT EXISTS customers (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    account    TEXT NOT NULL,
    reseller   TEXT NOT NULL,
    request_id TEXT UNIQUE,
    ilen       INTEGER NOT NULL, -- doc[:ilen] + "}" is the list item
    doc        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_account ON customers (account, seq);
CREATE INDEX IF NOT EXISTS customers_reseller ON customers (account, reseller, seq);
CREATE TABLE IF NOT EXISTS resellers (
    seq        INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    account    TEXT NOT NULL,
    doc        BLOB NOT NULL
);`

// database is one writer connection and a pool of readers, as in the mock.
type database struct {
	w, r *sql.DB
}

// open opens path (empty: an in-memory database shared by every
// connection, like the mock's) and creates the schema.
func open(path string) (*database, error) {
	params := url.Values{}
	params.Set("_busy_timeout", "10000")
	params.Set("_stmt_cache_size", "64") // as the mock's store
	var base string
	if path == "" {
		b := make([]byte, 8)
		rand.Read(b)
		base = "file:/floor-" + hex.EncodeToString(b)
		params.Set("vfs", "memdb")
	} else {
		base = "file:" + path
		params.Set("_journal_mode", "WAL")
		params.Set("_synchronous", "NORMAL")
	}
	readDSN := base + "?" + params.Encode()
	params.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite3", base+"?"+params.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if _, err := w.Exec(schema); err != nil { // also holds an in-memory database open
		w.Close()
		return nil, fmt.Errorf("schema: %w", err)
	}
	r, err := sql.Open("sqlite3", readDSN)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxLifetime(0)
	return &database{w: w, r: r}, nil
}

func (db *database) close() error {
	_, err := db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(err, db.r.Close(), db.w.Close())
}

// seed reads "account<TAB>reseller<TAB>id" lines from stdin and inserts one
// customer per line in one transaction, each with a document of exactly
// --doc-bytes whose list item is exactly --item-bytes.
func seed(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("db", "", "database file to create")
	docBytes := fs.Int("doc-bytes", 0, "size of each customer document (GET /v1/customers/{id})")
	itemBytes := fs.Int("item-bytes", 0, "size of each list item")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || fs.NArg() > 0 {
		return errors.New("usage: floor seed --db FILE --doc-bytes N --item-bytes N < lines")
	}
	db, err := open(*path)
	if err != nil {
		return err
	}
	n, err := db.seed(stdin, *docBytes, *itemBytes)
	if err != nil {
		db.close()
		return err
	}
	if err := db.close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%d customers\n", n)
	return err
}

func (db *database) seed(r io.Reader, docBytes, itemBytes int) (int, error) {
	tx, err := db.w.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(`INSERT INTO customers (id, account, reseller, ilen, doc) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 {
			return n, fmt.Errorf("line %d: want account<TAB>reseller<TAB>id, got %q", n+1, sc.Text())
		}
		account, reseller, id := parts[0], parts[1], parts[2]
		doc, ilen := customerDoc(id, account, reseller, itemBytes, docBytes, "")
		if _, err := ins.Exec(id, account, reseller, ilen, doc); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	return n, tx.Commit()
}
