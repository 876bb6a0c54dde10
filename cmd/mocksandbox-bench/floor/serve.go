package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with the hidden --pprof flag
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// server answers the bench's requests. The sizes make its bodies as large as
// the mock's answers to the same requests (the bench measures those first).
type server struct {
	db *database
	// listBytes and filterBytes: a list or filter page is padded to this
	// size; customerBytes and resellerBytes: a create's 201 body.
	listBytes, filterBytes, customerBytes, resellerBytes int
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	path := fs.String("db", "", "SQLite file (WAL); empty: in-memory")
	s := &server{}
	fs.IntVar(&s.listBytes, "list-bytes", 0, "size of a customer list page")
	fs.IntVar(&s.filterBytes, "filter-bytes", 0, "size of a filtered customer list page")
	fs.IntVar(&s.customerBytes, "customer-bytes", 0, "size of a customer create's 201 body")
	fs.IntVar(&s.resellerBytes, "reseller-bytes", 0, "size of a reseller create's 201 body")
	pprofAddr := fs.String("pprof", "", "") // hidden: net/http/pprof on this address
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: floor [--addr A] [--db FILE] [--list-bytes N] [--filter-bytes N] [--customer-bytes N] [--reseller-bytes N]")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db, err := open(*path)
	if err != nil {
		return err
	}
	s.db = db
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		db.close()
		return err
	}
	if *pprofAddr != "" {
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return err
		}
		go http.Serve(pln, http.DefaultServeMux)
	}
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	line, _ := json.Marshal(map[string]string{"level": "info", "addr": ln.Addr().String(), "message": "floor listening"})
	fmt.Fprintf(stderr, "%s\n", line)

	select {
	case err := <-served:
		db.close()
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(shutdown), db.close())
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_mock/ready", func(w http.ResponseWriter, r *http.Request) {
		respond(w, http.StatusOK, []byte(`{"status":"ready"}`), false)
	})
	mux.HandleFunc("GET /v1/customers/{id}", s.getCustomer)
	mux.HandleFunc("GET /v1/customers", s.listCustomers)
	mux.HandleFunc("POST /v1/customers", s.createCustomer)
	mux.HandleFunc("POST /v1/sandboxIndirectReseller", s.createReseller)
	return mux
}

func respond(w http.ResponseWriter, status int, body []byte, replayed bool) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json; charset=utf-8"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if replayed {
		h["X-Mocksandbox-Replayed"] = []string{"true"}
	}
	w.WriteHeader(status)
	w.Write(body)
}

func fail(w http.ResponseWriter, status int, err error) {
	body, _ := json.Marshal(map[string]any{"code": status, "description": err.Error()})
	respond(w, status, body, false)
}

// account is the bearer token itself: the floor does no authentication.
func account(r *http.Request) string {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token
}

// getCustomer: one indexed SELECT (customers.id is UNIQUE).
func (s *server) getCustomer(w http.ResponseWriter, r *http.Request) {
	var doc []byte
	err := s.db.r.QueryRowContext(r.Context(), `SELECT doc FROM customers WHERE id = ? AND account = ?`,
		r.PathValue("id"), account(r)).Scan(&doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		fail(w, http.StatusNotFound, errors.New("no such customer"))
	case err != nil:
		fail(w, http.StatusInternalServerError, err)
	default:
		respond(w, http.StatusOK, doc, false)
	}
}

// listCustomers: one indexed SELECT of a page in creation order, by account
// or by account and reseller (the .NET SDK's IndirectReseller filter).
func (s *server) listCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := 200
	if v := q.Get("size"); v != "" && v != "0" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 500 {
			fail(w, http.StatusBadRequest, fmt.Errorf("bad size %q", v))
			return
		}
		size = n
	}
	query, args, target := `SELECT ilen, doc FROM customers WHERE account = ? ORDER BY seq LIMIT ?`,
		[]any{account(r), size + 1}, s.listBytes
	if v := q.Get("filter"); v != "" {
		var f struct{ Field, Value, Operator string }
		if err := json.Unmarshal([]byte(v), &f); err != nil || !strings.EqualFold(f.Field, "IndirectReseller") {
			fail(w, http.StatusBadRequest, fmt.Errorf("bad filter %q", v))
			return
		}
		query, args, target = `SELECT ilen, doc FROM customers WHERE account = ? AND reseller = ? ORDER BY seq LIMIT ?`,
			[]any{account(r), f.Value, size + 1}, s.filterBytes
	}
	rows, err := s.db.r.QueryContext(r.Context(), query, args...)
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	defer rows.Close()
	var items [][]byte
	more := false
	for rows.Next() {
		var ilen int
		var doc []byte
		if err := rows.Scan(&ilen, &doc); err != nil {
			fail(w, http.StatusInternalServerError, err)
			return
		}
		if len(items) == size {
			more = true
			break
		}
		items = append(items, append(doc[:ilen:ilen], '}'))
	}
	if err := rows.Err(); err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	respond(w, http.StatusOK, page(items, more, target), false)
}

// page renders a collection, padded to target bytes when it is shorter.
func page(items [][]byte, more bool, target int) []byte {
	head := `{"totalCount":` + strconv.Itoa(len(items)) + `,"items":[`
	tail := `],"continuationToken":"`
	if !more {
		tail = `],"pad":"`
	}
	n := len(head) + len(tail) + len(`"}`)
	for i, it := range items {
		n += len(it)
		if i > 0 {
			n++
		}
	}
	pad := max(0, target-n)
	b := make([]byte, 0, n+pad)
	b = append(b, head...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, tail...)
	b = append(b, strings.Repeat("x", pad)...)
	return append(b, `"}`...)
}

// maxBody bounds a POST body, as the mock's default --max-body does.
const maxBody = 1 << 20

func readJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// requestID is MS-RequestId, or NULL when there is none (not keyed).
func requestID(r *http.Request) any {
	if v := r.Header.Get("MS-RequestId"); v != "" {
		return v
	}
	return nil
}

// createCustomer: one INSERT; a repeated MS-RequestId hits the UNIQUE
// index, and then one indexed SELECT reads the stored answer back.
func (s *server) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CompanyProfile struct {
			Domain string `json:"domain"`
		} `json:"companyProfile"`
		AssociatedPartnerID string `json:"associatedPartnerId"`
	}
	if err := readJSON(r, &in); err != nil || in.CompanyProfile.Domain == "" {
		fail(w, http.StatusBadRequest, fmt.Errorf("bad customer body: %v", err))
		return
	}
	id, acct := uuid.NewString(), account(r)
	extra := `,"domain":` + quote(in.CompanyProfile.Domain) + `,"userCredentials":{"userName":"admin","password":"` + uuid.NewString()[:16] + `"}`
	doc, ilen := customerDoc(id, acct, in.AssociatedPartnerID, 0, s.customerBytes, extra)
	s.insert(w, r, `INSERT OR IGNORE INTO customers (id, account, reseller, request_id, ilen, doc) VALUES (?, ?, ?, ?, ?, ?)`,
		`SELECT doc FROM customers WHERE request_id = ?`, doc, id, acct, in.AssociatedPartnerID, requestID(r), ilen, doc)
}

// createReseller: as createCustomer, into resellers.
func (s *server) createReseller(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Tenant struct {
			DomainPrefix string `json:"domainPrefix"`
		} `json:"tenant"`
	}
	if err := readJSON(r, &in); err != nil || in.Tenant.DomainPrefix == "" {
		fail(w, http.StatusBadRequest, fmt.Errorf("bad reseller body: %v", err))
		return
	}
	id, acct := uuid.NewString(), account(r)
	doc := resellerDoc(id, acct, in.Tenant.DomainPrefix, s.resellerBytes)
	key := requestID(r)
	if key == nil {
		key = id
	}
	s.insert(w, r, `INSERT OR IGNORE INTO resellers (request_id, account, doc) VALUES (?, ?, ?)`,
		`SELECT doc FROM resellers WHERE request_id = ?`, doc, key, acct, doc)
}

// insert runs the INSERT; when it inserted nothing (the request id is
// already stored) it answers the stored document as a replay.
func (s *server) insert(w http.ResponseWriter, r *http.Request, insert, replay string, doc []byte, args ...any) {
	res, err := s.db.w.ExecContext(r.Context(), insert, args...)
	if err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		respond(w, http.StatusCreated, doc, false)
		return
	}
	var stored []byte
	if err := s.db.r.QueryRowContext(r.Context(), replay, requestID(r)).Scan(&stored); err != nil {
		fail(w, http.StatusInternalServerError, err)
		return
	}
	respond(w, http.StatusCreated, stored, true)
}
