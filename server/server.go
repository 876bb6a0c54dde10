// Package server is mocksandbox's HTTP surface: the Partner Center routes
// under /v1, the /_mock control API, middleware, wire types and the single
// mapping from errors to Partner Center error bodies.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/store"
)

// Config is what a Server needs. Store and Logger are required.
type Config struct {
	Store       *store.Store
	Logger      zerolog.Logger
	Version     string
	Idempotency store.IdempotencyMode
	MaxBody     int64 // bytes; 0 means 1 MiB
	// Strict accepts only the mock's own tokens and fixture static tokens;
	// otherwise (permissive) any other bearer is its own sandbox account.
	Strict   bool
	TokenTTL time.Duration    // lifetime of issued access tokens; 0 means 1h
	Now      func() time.Time // the clock; nil means time.Now
	// Seed is the fixture state that POST /_mock/reset goes back to.
	Seed store.Snapshot
	// JournalSize bounds the request journal (0: no journal).
	JournalSize int
	// AdminToken, when set, guards the /_mock control routes.
	AdminToken string
}

// Server serves the mock. Create it with New.
type Server struct {
	store       *store.Store
	log         zerolog.Logger
	version     string
	serverID    string
	idempotency store.IdempotencyMode
	maxBody     int64
	tokenKey    []byte // signs continuation tokens
	signer      signer // signs and verifies the mock's JWTs
	strict      bool
	tokenTTL    time.Duration
	now         func() time.Time
	seed        store.Snapshot
	catalog     catalog
	seedKey     string // a digest of seed, naming its reset snapshot
	journal     *journal
	faults      faults
	adminToken  string
	ready       atomic.Bool
	paths       *pathNormalizer
	handler     http.Handler
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	s := &Server{
		store:       cfg.Store,
		log:         cfg.Logger,
		version:     cfg.Version,
		serverID:    "mocksandbox-" + strings.ReplaceAll(cfg.Version, ".", "-"),
		idempotency: cfg.Idempotency,
		maxBody:     cfg.MaxBody,
		strict:      cfg.Strict,
		tokenTTL:    cfg.TokenTTL,
		now:         cfg.Now,
		seed:        cfg.Seed,
		catalog:     newCatalog(cfg.Seed.Catalog),
		journal:     newJournal(cfg.JournalSize),
		adminToken:  cfg.AdminToken,
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.version == "" {
		s.version = "dev"
	}
	key, err := cfg.Store.Secret(context.Background(), "continuation-token")
	if err != nil {
		return nil, fmt.Errorf("continuation-token key: %w", err)
	}
	s.tokenKey = key
	jwtKey, err := cfg.Store.Secret(context.Background(), "jwt-signing-key")
	if err != nil {
		return nil, fmt.Errorf("token signing key: %w", err)
	}
	s.signer = newSigner(jwtKey)
	seedJSON, err := fixtures.Marshal(cfg.Seed)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(seedJSON)
	s.seedKey = hex.EncodeToString(digest[:])
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// MarkReady makes /_mock/ready answer 200; call it once the fixtures are seeded.
func (s *Server) MarkReady() { s.ready.Store(true) }

// write runs a state-changing handler in one store transaction, keyed for
// idempotency on the caller's account, MS-RequestId, method and path.
func (s *Server) write(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, tx *store.Tx) store.Response) {
	req := requestOf(r)
	opts := store.WriteOptions{Mode: s.idempotency}
	if req.keyed && r.Method != http.MethodPut { // SPEC §6 keys POST, PATCH and DELETE
		opts.Key = &store.IdempotencyKey{
			Account:   req.principal.TenantID(),
			RequestID: req.requestID,
			Method:    r.Method,
			Path:      strings.ToLower(r.URL.Path),
		}
		opts.Fingerprint = fingerprint(req.body)
	}
	ctx := r.Context()
	res, err := s.store.Write(ctx, opts, func(tx *store.Tx) store.Response { return fn(ctx, tx) })
	if err != nil {
		if !errors.Is(err, store.ErrIdempotencyMismatch) {
			zerolog.Ctx(ctx).Error().Err(err).Msg("write transaction failed")
		}
		writeError(w, r, err)
		return
	}
	if res.Replayed {
		w.Header().Set("X-Mocksandbox-Replayed", "true")
	}
	writeResponse(w, r, res.Response)
}

// fail is errorResponse for handlers running inside write.
func fail(ctx context.Context, err error) store.Response {
	return errorResponse(zerolog.Ctx(ctx), sourcePartnerCenter, err)
}

// respondJSON answers a read with a JSON body.
func respondJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	writeResponse(w, r, jsonResponse(status, v))
}

func jsonResponse(status int, v any) store.Response {
	return store.Response{Status: status, ContentType: contentTypeJSON, Body: mustJSON(v)}
}
