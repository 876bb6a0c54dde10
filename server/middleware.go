package server

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/store"
)

// request is what the middleware learns about a request, shared with the
// handlers through the context.
type request struct {
	requestID     string
	correlationID string
	// keyed: the client sent a usable, non-zero MS-RequestId, so writes
	// are idempotent on it (SPEC §6).
	keyed     bool
	principal store.Principal
	body      []byte
	fault     string           // the fault rule that fired, for the journal
	dropped   *droppedResponse // the answer a drop-after-commit fault swallowed
}

type ctxKey struct{}

func requestOf(r *http.Request) *request {
	if req, ok := r.Context().Value(ctxKey{}).(*request); ok {
		return req
	}
	return &request{}
}

// pathNormalizer applies SPEC §2.1 before routing: repeated slashes
// collapse, a trailing slash is ignored and literal segments match
// case-insensitively. It knows the route patterns, so a segment is only
// re-cased where a pattern has a literal, never inside an id.
type pathNormalizer struct {
	patterns []routePattern
}

type routePattern struct {
	segs    []string // "{...}" segments are parameters
	methods []string
}

func newPathNormalizer(routes chi.Routes) *pathNormalizer {
	n := &pathNormalizer{}
	index := map[string]int{}
	chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		i, ok := index[route]
		if !ok {
			i = len(n.patterns)
			index[route] = i
			n.patterns = append(n.patterns, routePattern{segs: splitPath(route)})
		}
		n.patterns[i].methods = append(n.patterns[i].methods, method)
		return nil
	})
	return n
}

func splitPath(p string) []string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") }

// match finds the pattern that fits segs with the most literal segments.
func (n *pathNormalizer) match(segs []string) *routePattern {
	var best *routePattern
	bestLiterals := -1
	for i := range n.patterns {
		p := &n.patterns[i]
		if len(p.segs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for j, ps := range p.segs {
			if isParam(ps) {
				continue
			}
			if !strings.EqualFold(ps, segs[j]) {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = p, literals
		}
	}
	return best
}

// normalize returns the escaped path in canonical form.
func (n *pathNormalizer) normalize(escaped string) string {
	segs := splitPath(escaped)
	if p := n.match(segs); p != nil {
		for i, ps := range p.segs {
			if !isParam(ps) {
				segs[i] = ps
			}
		}
	}
	return "/" + strings.Join(segs, "/")
}

// allowed lists the methods served on a normalised path (for 405's Allow).
func (n *pathNormalizer) allowed(r *http.Request) []string {
	if p := n.match(splitPath(r.URL.EscapedPath())); p != nil {
		return p.methods
	}
	return nil
}

func (n *pathNormalizer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		escaped := n.normalize(r.URL.EscapedPath())
		if path, err := url.PathUnescape(escaped); err == nil {
			r.URL.Path = path
			// chi routes on RawPath when it is set, so "%2F" stays inside
			// its segment; handlers unescape parameters with pathParam.
			r.URL.RawPath = escaped
		}
		next.ServeHTTP(w, r)
	})
}

// pathParam returns a route parameter, unescaped.
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// queryOf parses the request's query string. url.URL.Query silently drops
// a pair it cannot parse (a bad %-escape, a ';' separator): that turned
// POST /_mock/reset?account=ID; into a reset of every account, and a
// malformed size, filter or country into "none given". Such a query is
// bad input (400 800002) instead.
func queryOf(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, badInput("the query string is malformed (%v); percent-encode '%%', ';' and other reserved characters in values", err)
	}
	return q, nil
}

// usableHeaderValue: 1–128 printable ASCII characters (SPEC §2.2).
func usableHeaderValue(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

const zeroGUID = "00000000-0000-0000-0000-000000000000"

// requestIDs reads MS-RequestId and MS-CorrelationId (generating what is
// missing or unusable), puts them on the response and the logger, and
// adds the response headers every answer carries (SPEC §2.3).
func (s *Server) requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &request{}
		req.requestID = r.Header.Get("MS-RequestId")
		if usableHeaderValue(req.requestID) {
			req.keyed = req.requestID != zeroGUID
		} else {
			req.requestID = uuid.NewString()
		}
		req.correlationID = r.Header.Get("MS-CorrelationId")
		if !usableHeaderValue(req.correlationID) {
			req.correlationID = uuid.NewString()
		}
		// Set directly, not with Header.Set, to keep Partner Center's
		// spelling (Header.Set would send "Ms-Requestid").
		h := w.Header()
		h["MS-RequestId"] = []string{req.requestID}
		h["MS-CorrelationId"] = []string{req.correlationID}
		h["MS-CV"] = []string{newCV()}
		h["MS-ServerId"] = []string{s.serverID}
		h.Set("X-Mocksandbox-Version", s.version)

		log := s.log.With().Str("correlationId", req.correlationID).Str("requestId", req.requestID).Logger()
		ctx := context.WithValue(log.WithContext(r.Context()), ctxKey{}, req)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// newCV returns a fresh correlation vector: 16 random bytes, base64, ".0".
func newCV() string {
	var b [16]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return base64.RawStdEncoding.EncodeToString(b[:]) + ".0"
}

// accessLog writes one line per request once it is answered (or its
// connection is dropped on purpose).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := &captureWriter{ResponseWriter: w}
		defer func() {
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			req, status := requestOf(r), cmp.Or(ww.status, http.StatusOK)
			if req.dropped != nil {
				status = req.dropped.status
			}
			ev := zerolog.Ctx(r.Context()).Info()
			if status >= 500 {
				ev = zerolog.Ctx(r.Context()).Error()
			}
			if req.fault != "" {
				ev = ev.Str("fault", req.fault)
			}
			ev.Str("method", r.Method).Str("route", route).Str("path", r.URL.Path).
				Int("status", status).Dur("durationMs", time.Since(start)).
				Str("account", req.principal.TenantID()).Msg("request")
		}()
		next.ServeHTTP(ww, r)
	})
}

// recoverer turns a panic into 500 800003 and logs it with its stack.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec) // a deliberate abort: let net/http drop the connection
			}
			zerolog.Ctx(r.Context()).Error().Interface("panic", rec).Bytes("stack", debug.Stack()).Msg("handler panicked")
			writeError(w, r, errors.New("panic"))
		}()
		next.ServeHTTP(w, r)
	})
}

// readBody reads the whole body up front, so a body over --max-body is
// refused (413) before authentication, as SPEC §2.7 orders the checks.
func (s *Server) readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody {
			writeError(w, r, errBodyTooLarge)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
		if err != nil {
			writeError(w, r, badInput("the request body could not be read: %v", err))
			return
		}
		if int64(len(body)) > s.maxBody {
			writeError(w, r, errBodyTooLarge)
			return
		}
		requestOf(r).body = body
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the bearer token to a principal (SPEC §4.3).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			writeError(w, r, errNoBearer)
			return
		}
		p, err := s.principal(r.Context(), token)
		if err != nil {
			writeError(w, r, err)
			return
		}
		requestOf(r).principal = p
		next.ServeHTTP(w, r)
	})
}

// principal finds who a bearer speaks for: a mock JWT by its claims, a
// fixture static token by its row, and any other string by the auth mode.
func (s *Server) principal(ctx context.Context, token string) (store.Principal, error) {
	c, err := s.signer.verify(token, s.now())
	switch {
	case err == nil && c.Use == "":
		return s.principalForClaims(ctx, c)
	case err == nil || errors.Is(err, errBadToken):
		return store.Principal{}, errTokenInvalid
	}
	// Remembered by the store until its next committed write: this lookup
	// was half the CPU time of a GET before (a three-table join, prepared
	// on each call, and the account's address decoded from JSON).
	p, err := s.store.CachedPrincipalForToken(ctx, token)
	switch {
	case errors.Is(err, store.ErrResellerNotLive):
		return store.Principal{}, errResellerGone
	case !errors.Is(err, store.ErrNotFound):
		return p, err
	case s.strict:
		return store.Principal{}, errUnknownToken
	}
	return s.store.EnsureAutoAccount(ctx, token)
}

// principalForClaims is the caller a verified mock JWT names: an account,
// or a sandbox reseller's admin when tid is a reseller tenant (SPEC §12.3).
func (s *Server) principalForClaims(ctx context.Context, c claims) (store.Principal, error) {
	a, err := s.store.CachedAccountByID(ctx, c.Tid)
	if errors.Is(err, store.ErrNotFound) {
		p, err := s.store.ResellerPrincipal(ctx, c.Tid, c.AppID)
		if errors.Is(err, store.ErrResellerNotLive) {
			return store.Principal{}, errTokenInvalid // its account or reseller is gone
		}
		return p, err
	}
	if err != nil {
		return store.Principal{}, err
	}
	p := store.Principal{Account: a, AppID: c.AppID, AppOnly: c.Scp == ""}
	if !p.AppOnly {
		p.UPN, p.ObjectID = c.UPN, c.OID
	}
	return p, nil
}

// resellerReads are the routes a reseller caller may use (SPEC §12.2).
var resellerReads = map[string]bool{
	"GET /v1/customers":                                             true,
	"GET /v1/customers/{customerId}":                                true,
	"GET /v1/customers/{customerId}/profiles/company":               true,
	"GET /v1/customers/{customerId}/profiles/billing":               true,
	"GET /v1/customers/{customerId}/relationships":                  true,
	"GET /v1/customers/{customerId}/subscriptions":                  true,
	"GET /v1/customers/{customerId}/subscriptions/{subscriptionId}": true,
	"GET /v1/relationships":                                         true,
	"GET /v1/profiles/organization":                                 true,
}

// resellerGate refuses a reseller caller every route but its reads
// (SPEC §2.7 step 4): 403 600006.
func resellerGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requestOf(r).principal.Reseller != nil && !resellerReads[r.Method+" "+chi.RouteContext(r.Context()).RoutePattern()] {
			writeError(w, r, errResellerNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// sandboxResellerRoute guards the reseller routes: sandbox accounts only,
// App+User only, and both request headers as GUIDs (SPEC §2.2, §2.7 5–7).
func sandboxResellerRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := requestOf(r).principal
		if p.Account.Kind != store.Sandbox {
			writeError(w, r, errNotTipProvider)
			return
		}
		if p.AppOnly {
			writeError(w, r, errAppOnly)
			return
		}
		for _, name := range []string{"MS-RequestId", "MS-CorrelationId"} {
			v := r.Header.Get(name)
			if v == "" {
				writeError(w, r, badInput("the %s header is required on this route; send a new GUID for each call (the same one on retries)", name))
				return
			}
			if _, err := uuid.Parse(v); err != nil || len(v) != 36 {
				writeError(w, r, badInput("the %s header must be a GUID such as 3f2a6c1e-8d4b-4e7a-9c5d-1b2e3f4a5b6c, not %q", name, v))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// appUserOnly refuses application-only tokens (SPEC §3.0).
func appUserOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requestOf(r).principal.AppOnly {
			writeError(w, r, errAppOnly)
			return
		}
		next.ServeHTTP(w, r)
	})
}
