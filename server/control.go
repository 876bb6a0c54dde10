package server

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/limits"
	"github.com/mocksandbox/mocksandbox/store"
)

type statusBody struct {
	Status string `json:"status"`
}

// health is liveness: the process serves HTTP.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	respondJSON(w, r, http.StatusOK, statusBody{"ok"})
}

// readiness answers 200 once migrations ran and the fixtures are seeded.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		respondJSON(w, r, http.StatusServiceUnavailable, statusBody{"starting"})
		return
	}
	respondJSON(w, r, http.StatusOK, statusBody{"ready"})
}

// Control API errors speak Partner Center's body with source "mocksandbox".
var errAdminToken = &routeError{http.StatusUnauthorized, codeUnauthorized,
	"Unauthorized: the /_mock control API needs Authorization: Bearer <admin token>, the value of --admin-token."}

func unknownName(kind, name string) error {
	return &routeError{http.StatusNotFound, codeNotFound, fmt.Sprintf("Not found: no %s named %q.", kind, name)}
}

// adminOnly guards the control routes when --admin-token is set.
func (s *Server) adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.adminToken != "" {
			token, ok := bearerToken(r.Header.Get("Authorization"))
			if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.adminToken)) != 1 {
				writeError(w, r, errAdminToken)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// reset is POST /_mock/reset[?account=ID]: back to the fixture seed.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := queryOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	account := queryValue(q, "account")
	if account == "" {
		err = s.store.ResetAll(ctx, s.seedKey, s.seed)
	} else {
		var seed *store.AccountSeed
		for i := range s.seed.Accounts {
			if strings.EqualFold(s.seed.Accounts[i].Account.ID, account) {
				seed = &s.seed.Accounts[i]
			}
		}
		err = s.store.ResetAccount(ctx, account, seed)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, r, unknownName("account", account))
		return
	case err != nil:
		writeError(w, r, err)
		return
	}
	if account == "" {
		s.faults.clear()
	}
	w.WriteHeader(http.StatusNoContent)
}

var (
	snapshotName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	statusFilter = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]xx)$`)
)

func (s *Server) snapshotParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := pathParam(r, "name")
	if !snapshotName.MatchString(name) {
		writeError(w, r, badInput("snapshot names are 1-64 letters, digits, '_' or '-', not %q", name))
		return "", false
	}
	return name, true
}

// saveSnapshot is POST /_mock/snapshots/{name}.
func (s *Server) saveSnapshot(w http.ResponseWriter, r *http.Request) {
	name, ok := s.snapshotParam(w, r)
	if !ok {
		return
	}
	if err := s.store.SaveSnapshot(r.Context(), name); err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusCreated, snapshotJSON{Name: name, Created: pcTime(s.now())})
}

// restoreSnapshot is POST /_mock/snapshots/{name}/restore.
func (s *Server) restoreSnapshot(w http.ResponseWriter, r *http.Request) {
	name, ok := s.snapshotParam(w, r)
	if !ok {
		return
	}
	err := s.store.RestoreSnapshot(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		err = unknownName("snapshot", name)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type snapshotJSON struct {
	Name    string `json:"name"`
	Created string `json:"created"`
}

// listSnapshots is GET /_mock/snapshots.
func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.Snapshots(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]snapshotJSON, len(list))
	for i, si := range list {
		items[i] = snapshotJSON{Name: si.Name, Created: pcTime(si.Created)}
	}
	respondJSON(w, r, http.StatusOK, map[string]any{"items": items})
}

// requests is GET /_mock/requests: the journal, newest first, filtered.
func (s *Server) requests(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	corr, rid, account, path, status := q.Get("correlationId"), q.Get("requestId"), q.Get("account"), q.Get("path"), q.Get("status")
	if status != "" && !statusFilter.MatchString(status) {
		writeError(w, r, badInput("status must be a status such as 429 or a class such as 4xx, not %q", status))
		return
	}
	items := s.journal.list(func(e journalEntry) bool {
		st := strconv.Itoa(e.Status)
		return (corr == "" || e.CorrelationID == corr) && (rid == "" || e.RequestID == rid) &&
			(account == "" || strings.EqualFold(e.Account, account)) &&
			(path == "" || strings.HasPrefix(strings.ToLower(e.Path), strings.ToLower(path))) &&
			(status == "" || st == status || (strings.HasSuffix(status, "xx") && st[:1] == status[:1]))
	})
	respondJSON(w, r, http.StatusOK, map[string]any{"totalCount": len(items), "items": items})
}

// clearRequests is DELETE /_mock/requests.
func (s *Server) clearRequests(w http.ResponseWriter, r *http.Request) {
	s.journal.clear()
	w.WriteHeader(http.StatusNoContent)
}

// addFault is POST /_mock/faults.
func (s *Server) addFault(w http.ResponseWriter, r *http.Request) {
	f, err := parseFaultRule(requestOf(r).body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.faults.add(f)
	respondJSON(w, r, http.StatusCreated, f)
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request) {
	respondJSON(w, r, http.StatusOK, map[string]any{"items": s.faults.list()})
}

func (s *Server) clearFaults(w http.ResponseWriter, r *http.Request) {
	s.faults.clear()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) removeFault(w http.ResponseWriter, r *http.Request) {
	id := pathParam(r, "id")
	if !s.faults.remove(id) {
		writeError(w, r, unknownName("fault rule", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type limitsJSON struct {
	Resellers                *int `json:"resellers"`
	Customers                *int `json:"customers"`
	SubscriptionsPerCustomer *int `json:"subscriptionsPerCustomer"`
	LicensesPerSubscription  *int `json:"licensesPerSubscription"`
}

func toLimitsJSON(l limits.Limits) limitsJSON {
	return limitsJSON{l.Resellers, l.Customers, l.SubscriptionsPerCustomer, l.LicensesPerSubscription}
}

func (s *Server) accountParam(w http.ResponseWriter, r *http.Request) (store.Account, bool) {
	id := pathParam(r, "id")
	a, err := s.store.AccountByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		err = unknownName("account", id)
	}
	if err != nil {
		writeError(w, r, err)
		return a, false
	}
	return a, true
}

// getLimits is GET /_mock/accounts/{id}/limits.
func (s *Server) getLimits(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.accountParam(w, r); ok {
		respondJSON(w, r, http.StatusOK, toLimitsJSON(a.Limits))
	}
}

// putLimits is PUT /_mock/accounts/{id}/limits: a missing field keeps its
// value, null removes the limit.
func (s *Server) putLimits(w http.ResponseWriter, r *http.Request) {
	a, ok := s.accountParam(w, r)
	if !ok {
		return
	}
	o, err := parseObject(requestOf(r).body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	l := a.Limits
	fields := map[limits.Kind]**int{limits.Resellers: &l.Resellers, limits.Customers: &l.Customers,
		limits.SubscriptionsPerCustomer: &l.SubscriptionsPerCustomer, limits.LicensesPerSubscription: &l.LicensesPerSubscription}
	for key, name := range o.names {
		dst, known := fields[limits.Kind(name)]
		if !known {
			for kind, d := range fields {
				if strings.EqualFold(string(kind), key) {
					dst, known = d, true
				}
			}
		}
		if !known {
			writeError(w, r, badInput("$.%s is not a limit; the limits are resellers, customers, subscriptionsPerCustomer and licensesPerSubscription", name))
			return
		}
		v, present := o.props[key]
		if !present { // null: no limit
			*dst = nil
			continue
		}
		n, err := strconv.Atoi(fmt.Sprint(v))
		if _, isNumber := v.(json.Number); !isNumber || err != nil || n < 0 || n > limits.MaxValue {
			writeError(w, r, badInput("$.%s must be a whole number from 0 to %d, or null for no limit", name, limits.MaxValue))
			return
		}
		*dst = &n
	}
	if err := s.store.SetLimits(r.Context(), a.ID, l); err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, toLimitsJSON(l))
}

// state is GET /_mock/state: the business state in the fixture format, so
// that it loads back with --fixtures.
func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	snap, err := s.store.State(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	snap.Catalog = s.seed.Catalog // the fixture-added offers; the built-in ones are left out (SPEC §7)
	body, err := fixtures.Marshal(snap)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeResponse(w, r, store.Response{Status: http.StatusOK, ContentType: contentTypeJSON, Body: body})
}
