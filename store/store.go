// Package store owns mocksandbox's state: the SQLite database, its embedded
// migrations, the domain types and every transaction. Writes are serialised
// by SQLite itself (one writer connection, BEGIN IMMEDIATE), so a limit count,
// the insert it guards and the stored idempotent response always commit
// together or not at all.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options configure Open.
type Options struct {
	// Path is the database file. Empty means an in-memory database that is
	// shared by every pooled connection and lives until Close.
	Path string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Seed, when non-zero, makes generated ids and passwords reproducible.
	Seed uint64
	// IdempotencyTTL is how long a stored response is replayed (0: 24h).
	IdempotencyTTL time.Duration
}

// Store is the database handle. It is safe for concurrent use.
type Store struct {
	wdb  *sql.DB   // one connection: all writes, in BEGIN IMMEDIATE transactions
	rdb  *sql.DB   // a pool for reads
	keep *sql.Conn // holds an in-memory database open for the Store's life

	closeOnce sync.Once
	closeErr  error

	now    func() time.Time
	ttl    time.Duration
	seed   uint64
	randMu sync.Mutex
	rand   io.Reader

	memo memo // principals and accounts that authentication reads; see memo

	// A file database's WAL is checkpointed by a background goroutine, not
	// by the commit that happens to fill it (see checkpoints).
	commits         atomic.Uint64 // committed write transactions
	stopCheckpoints context.CancelFunc
	checkpointsDone chan struct{}
}

// checkpointEvery is how often the background checkpointer looks for
// commits to copy from the WAL into the database file.
const checkpointEvery = 100 * time.Millisecond

// Open opens (creating if needed) the database and applies migrations.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{now: opts.Now, ttl: opts.IdempotencyTTL, rand: rand.Reader, seed: opts.Seed}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = 24 * time.Hour
	}
	if opts.Seed != 0 {
		s.rand = mrand.NewChaCha8(seedBytes(opts.Seed))
	}

	var base string
	params := url.Values{}
	params.Set("_busy_timeout", "10000")
	params.Set("_foreign_keys", "on")
	// Keep each connection's prepared statements: preparing was about 40 %
	// of the time spent in SQLite on the read routes.
	params.Set("_stmt_cache_size", "64")
	if opts.Path == "" {
		// The memdb VFS shares one database between every connection that
		// opens the same "/name" in this process, with normal file locking,
		// unlike ":memory:" (one database per connection).
		base = "file:/mocksandbox-" + uuid.NewString()
		params.Set("vfs", "memdb")
	} else {
		base = "file:" + opts.Path
		params.Set("_journal_mode", "WAL")
		params.Set("_synchronous", "NORMAL")
	}
	// Readers keep a page cache of 512 KiB rather than SQLite's 2 MiB:
	// there are up to 8 of them, and on a large database their caches were
	// most of the memory the mock held after load (BENCHMARKS.md).
	readParams := params.Encode() + "&_cache_size=-512"
	params.Set("_txlock", "immediate")

	writer := &sqlite3.SQLiteDriver{}
	if opts.Path != "" {
		// SQLite checkpoints the WAL inside the commit that takes it past
		// 1000 pages: that commit copies the pages and fsyncs, which was
		// most of the create routes' p99. The writer never does; see
		// checkpoints.
		writer.ConnectHook = func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA wal_autocheckpoint = 0", nil)
			return err
		}
	}
	s.wdb = sql.OpenDB(connector{dsn: base + "?" + params.Encode(), driver: writer})
	var err error
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetConnMaxLifetime(0)
	if s.rdb, err = sql.Open("sqlite3", base+"?"+readParams); err != nil {
		s.wdb.Close()
		return nil, err
	}
	s.rdb.SetMaxOpenConns(8)
	s.rdb.SetMaxIdleConns(8)
	s.rdb.SetConnMaxLifetime(0)
	if opts.Path == "" {
		if s.keep, err = s.rdb.Conn(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("open in-memory database: %w", err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate %s: %w", describe(opts.Path), err)
	}
	if opts.Path != "" {
		cctx, cancel := context.WithCancel(context.Background())
		s.stopCheckpoints, s.checkpointsDone = cancel, make(chan struct{})
		go s.checkpoints(cctx)
	}
	return s, nil
}

// connector opens the writer's connections with a driver of its own, so
// that its ConnectHook applies to them alone.
type connector struct {
	dsn    string
	driver *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }

func (c connector) Driver() driver.Driver { return c.driver }

// checkpoints copies committed pages from the WAL into the database file
// off the request path: a PASSIVE checkpoint on a reader connection, after
// any commit, every checkpointEvery. It never blocks the writer or the
// readers (frames still in use are left for the next round); the writer
// starts the WAL over once a round has copied everything. Close ends it.
func (s *Store) checkpoints(ctx context.Context) {
	defer close(s.checkpointsDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	var done uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n := s.commits.Load(); n != done {
			// An error leaves the pages in the WAL for the next round.
			if _, err := s.rdb.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
				done = n
			}
		}
	}
}

func describe(path string) string {
	if path == "" {
		return "in-memory database"
	}
	return path
}

func seedBytes(seed uint64) [32]byte {
	var b [32]byte
	for i := range 4 {
		v := seed + uint64(i)*0x9e3779b97f4a7c15
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// Close checkpoints the WAL (for a file database) and closes every
// connection. Later calls return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	var errs []error
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
		<-s.checkpointsDone
	}
	if s.wdb != nil {
		if _, err := s.wdb.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, err)
		}
	}
	if s.keep != nil {
		errs = append(errs, s.keep.Close())
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	return errors.Join(errs...)
}

// migrate applies every embedded migration not yet recorded, each in its own
// transaction, in file-name order.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.wdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) migrateFile(ctx context.Context, name string) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrationFS.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name) VALUES (?)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is one write transaction. Its domain methods are the only way state
// changes; they run inside Store.Write.
type Tx struct {
	tx  *sql.Tx
	now time.Time // captured once per transaction
	s   *Store
}

// Now is the transaction's clock reading, shared by everything it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// newID returns a fresh lower-case GUID from the store's id source.
func (tx *Tx) newID() string {
	tx.s.randMu.Lock()
	defer tx.s.randMu.Unlock()
	id, err := uuid.NewRandomFromReader(tx.s.rand)
	if err != nil {
		panic(fmt.Sprintf("id source failed: %v", err)) // crypto/rand and ChaCha8 do not fail
	}
	return id.String()
}

// newPassword returns a generated password that meets Entra's complexity
// rules: upper, lower, digit and symbol, 16 characters.
func (tx *Tx) newPassword() string {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		symbol = "!@#$%*+-?"
	)
	sets := []string{upper, lower, digits, symbol}
	tx.s.randMu.Lock()
	defer tx.s.randMu.Unlock()
	buf := make([]byte, 16)
	if _, err := io.ReadFull(tx.s.rand, buf); err != nil {
		panic(fmt.Sprintf("password source failed: %v", err))
	}
	out := make([]byte, len(buf))
	for i, b := range buf {
		set := sets[i%len(sets)]
		if i >= len(sets) {
			set = upper + lower + digits
		}
		out[i] = set[int(b)%len(set)]
	}
	return string(out)
}

// update runs fn in one write transaction and commits if fn succeeds.
func (s *Store) update(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{tx: sqlTx, now: s.now().UTC(), s: s}); err != nil {
		return err
	}
	return s.commit(ctx, sqlTx)
}

// Response is a stored answer to a keyed request, replayed byte for byte.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyKey identifies a request for replay (SPEC §6).
type IdempotencyKey struct {
	Account   string
	RequestID string
	Method    string
	Path      string // normalised, lower-case, without the query
}

// IdempotencyMode says what a reused key with a different body does.
type IdempotencyMode int

const (
	// Strict refuses the request with ErrIdempotencyMismatch.
	Strict IdempotencyMode = iota
	// Lenient processes it as new and stores its response instead.
	Lenient
)

// WriteOptions configure one Store.Write.
type WriteOptions struct {
	Key         *IdempotencyKey // nil: not keyed
	Fingerprint []byte          // digest of the canonical request body
	Mode        IdempotencyMode
}

// WriteResult is what Store.Write did.
type WriteResult struct {
	Response Response
	Replayed bool // the stored response of an earlier request
}

// Write runs fn in one BEGIN IMMEDIATE transaction together with the
// idempotency lookup and the storing of fn's response. A response with
// status >= 400 keeps none of fn's changes (they are rolled back to a
// savepoint) but is still stored; a 5xx is neither kept nor stored. If fn
// panics, the transaction rolls back and the panic continues.
func (s *Store) Write(ctx context.Context, opts WriteOptions, fn func(*Tx) Response) (WriteResult, error) {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return WriteResult{}, fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{tx: sqlTx, now: s.now().UTC(), s: s}

	if opts.Key != nil {
		stored, fingerprint, found, err := tx.lookupResponse(ctx, *opts.Key)
		if err != nil {
			return WriteResult{}, err
		}
		if found {
			if string(fingerprint) == string(opts.Fingerprint) {
				return WriteResult{Response: stored, Replayed: true}, nil
			}
			if opts.Mode == Strict {
				return WriteResult{}, ErrIdempotencyMismatch
			}
		}
	}

	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT effect"); err != nil {
		return WriteResult{}, err
	}
	resp := fn(tx)
	if resp.Status >= 500 {
		return WriteResult{Response: resp}, nil // deferred rollback: nothing kept
	}
	if resp.Status >= 400 {
		if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO effect"); err != nil {
			return WriteResult{}, err
		}
	}
	if _, err := sqlTx.ExecContext(ctx, "RELEASE effect"); err != nil {
		return WriteResult{}, err
	}
	if opts.Key != nil {
		if err := tx.storeResponse(ctx, *opts.Key, opts.Fingerprint, resp); err != nil {
			return WriteResult{}, err
		}
	}
	if err := s.commit(ctx, sqlTx); err != nil {
		return WriteResult{}, fmt.Errorf("commit: %w", err)
	}
	return WriteResult{Response: resp}, nil
}

// commit commits a write transaction and then tells the memo whether it
// changed what authentication reads (migration 0005's identity_version).
func (s *Store) commit(ctx context.Context, sqlTx *sql.Tx) error {
	var version int64
	if err := sqlTx.QueryRowContext(ctx, `SELECT v FROM identity_version`).Scan(&version); err != nil {
		return err
	}
	err := sqlTx.Commit()
	s.commits.Add(1)
	if err != nil {
		s.memo.forget() // whatever happened, nothing remembered is trusted
		return err
	}
	s.memo.committed(version)
	return nil
}

// memo remembers what authentication reads on every request (a static
// token's principal, an account by id) until a write that changes any of
// it commits: a reset, a snapshot restore, a per-account reset, a
// reseller's deletion, new limits, a new auto-created account. Triggers
// count those changes in identity_version (migration 0005), which every
// commit reads; a commit that moved it forgets everything, and one that
// did not (a new customer, reseller or order) forgets nothing. Misses are
// not remembered.
type memo struct {
	mu      sync.Mutex
	gen     uint64 // forgets so far
	version int64  // identity_version as of the last commit
	m       map[string]any
}

// committed forgets everything unless identity_version is still what it
// was at the previous commit.
func (m *memo) committed(version int64) {
	m.mu.Lock()
	changed := version != m.version
	m.version = version
	m.mu.Unlock()
	if changed {
		m.forget()
	}
}

// memoMax bounds the memo (permissive auth accepts any number of distinct
// tokens). An entry is about 1 KiB: 4096 of them were a third of the heap
// after load on the bench's 10,000-account database (BENCHMARKS.md).
const memoMax = 1024

// forget drops every value.
func (m *memo) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.m = nil
}

// lookup returns the value remembered for key, or the generation to pass
// to remember after reading it from the database.
func (m *memo) lookup(key string) (any, bool, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	return v, ok, m.gen
}

// remember keeps v for key unless the memo forgot since lookup returned
// gen (v may then predate what made it forget).
func (m *memo) remember(key string, gen uint64, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	if m.m == nil {
		m.m = map[string]any{}
	}
	if len(m.m) >= memoMax {
		// Evict one value, an arbitrary one (map order): unlike starting
		// over, that still hits when more tokens than memoMax take turns.
		for k := range m.m {
			delete(m.m, k)
			break
		}
	}
	m.m[key] = v
}

// memoized returns load's value for key, from the memo when it has not
// forgotten since the value was last loaded.
func memoized[T any](s *Store, key string, load func() (T, error)) (T, error) {
	v, ok, gen := s.memo.lookup(key)
	if ok {
		return v.(T), nil
	}
	t, err := load()
	if err == nil {
		s.memo.remember(key, gen, t)
	}
	return t, err
}

// CachedPrincipalForToken is PrincipalForToken, remembered until a write
// changes what it reads. The Principal's pointers are shared: read only.
func (s *Store) CachedPrincipalForToken(ctx context.Context, token string) (Principal, error) {
	return memoized(s, "token\x00"+token, func() (Principal, error) { return s.PrincipalForToken(ctx, token) })
}

// CachedAccountByID is AccountByID, remembered until a write changes what
// it reads. The Account's pointers are shared: read only.
func (s *Store) CachedAccountByID(ctx context.Context, id string) (Account, error) {
	return memoized(s, "account\x00"+id, func() (Account, error) { return s.AccountByID(ctx, id) })
}

func (tx *Tx) lookupResponse(ctx context.Context, k IdempotencyKey) (Response, []byte, bool, error) {
	var r Response
	var fingerprint []byte
	var expires int64
	err := tx.tx.QueryRowContext(ctx, `
		SELECT fingerprint, status, content_type, body, expires_at FROM idempotency
		WHERE account_id = ? AND request_id = ? AND method = ? AND path = ?`,
		k.Account, k.RequestID, k.Method, k.Path,
	).Scan(&fingerprint, &r.Status, &r.ContentType, &r.Body, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= tx.now.UnixNano()) {
		return Response{}, nil, false, nil
	}
	if err != nil {
		return Response{}, nil, false, err
	}
	return r, fingerprint, true, nil
}

func (tx *Tx) storeResponse(ctx context.Context, k IdempotencyKey, fingerprint []byte, r Response) error {
	if fingerprint == nil {
		fingerprint = []byte{}
	}
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	_, err := tx.tx.ExecContext(ctx, `
		INSERT OR REPLACE INTO idempotency
			(account_id, request_id, method, path, fingerprint, status, content_type, body, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.Account, k.RequestID, k.Method, k.Path, fingerprint, r.Status, r.ContentType, body,
		tx.now.Add(tx.s.ttl).UnixNano())
	return err
}

// SweepIdempotency deletes stored responses whose time to live has passed.
func (s *Store) SweepIdempotency(ctx context.Context) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM idempotency WHERE expires_at <= ?`, s.now().UnixNano())
	if err != nil {
		return 0, err
	}
	s.commits.Add(1) // for the checkpointer; no principal changed
	return res.RowsAffected()
}

// querier is what read helpers need of a *sql.DB or a *sql.Tx, so that
// one query serves both a read and a write transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

func lower(s string) string { return strings.ToLower(s) }
