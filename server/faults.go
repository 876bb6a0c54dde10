package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Fault injection (SPEC §8): rules that make the next matching requests
// fail, wait, or take effect and then lose their response.

type faultRule struct {
	ID         string `json:"id"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	Account    string `json:"account,omitempty"`
	Action     string `json:"action"`
	Status     int    `json:"status,omitempty"`
	Code       int    `json:"code,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
	DelayMs    int    `json:"delayMs,omitempty"`
	Times      int    `json:"times"`     // as created
	Remaining  int    `json:"remaining"` // firings left
}

type faults struct {
	mu    sync.Mutex
	rules []*faultRule
}

// parseFaultRule validates a POST /_mock/faults body.
func parseFaultRule(body []byte) (faultRule, error) {
	var f faultRule
	o, err := parseObject(body)
	if err != nil {
		return f, err
	}
	str := func(name string) (string, error) { v, _, err := o.str(name); return v, err }
	num := func(names ...string) (int, bool, error) {
		v, ok := o.lookup(names...)
		if !ok {
			return 0, false, nil
		}
		n, isNum := v.(interface{ Int64() (int64, error) })
		if !isNum {
			return 0, false, badInput("%s must be a whole number, not %s", o.field(names[0]), jsonKind(v))
		}
		i, err := n.Int64()
		if err != nil || i < 0 || i > 1<<31 {
			return 0, false, badInput("%s must be a whole number from 0 up", o.field(names[0]))
		}
		return int(i), true, nil
	}
	if f.Method, err = str("method"); err != nil {
		return f, err
	}
	f.Method = strings.ToUpper(f.Method)
	if f.Path, err = str("path"); err != nil {
		return f, err
	}
	if f.Account, err = str("account"); err != nil {
		return f, err
	}
	if f.Action, err = str("action"); err != nil {
		return f, err
	}
	var hasStatus, hasTimes bool
	if f.Status, hasStatus, err = num("status"); err != nil {
		return f, err
	}
	if f.Code, _, err = num("code"); err != nil {
		return f, err
	}
	if f.RetryAfter, _, err = num("retryAfter"); err != nil {
		return f, err
	}
	if f.DelayMs, _, err = num("delayMs", "delay"); err != nil {
		return f, err
	}
	if f.Times, hasTimes, err = num("times"); err != nil {
		return f, err
	}
	if f.Action == "" && hasStatus {
		f.Action = "status"
	}
	if !hasTimes {
		f.Times = 1
	}
	switch f.Action {
	case "status":
		if f.Status < 400 || f.Status > 599 {
			return f, badInput("$.status must be an error status from 400 to 599 for action status")
		}
		if f.Status == http.StatusTooManyRequests && f.RetryAfter == 0 {
			f.RetryAfter = 1
		}
		if f.Code == 0 {
			f.Code = codeUnexpected
		}
	case "delay":
		if f.DelayMs <= 0 {
			return f, badInput("$.delayMs must be a positive number of milliseconds for action delay")
		}
	case "drop-after-commit":
	default:
		return f, badInput("$.action must be status, delay or drop-after-commit (or leave it out and set status), not %q", f.Action)
	}
	if f.Times < 1 || (f.Action != "delay" && f.Times > 3) {
		return f, badInput("$.times must be 1 to 3 for %s rules (so SDK retry loops end); delay rules take any positive count", f.Action)
	}
	f.ID = uuid.NewString()
	f.Remaining = f.Times
	return f, nil
}

// matchGlob matches a normalised path against a glob where * stands for
// one segment; case-insensitive.
func matchGlob(glob, path string) bool {
	if glob == "" {
		return true
	}
	g, p := splitPath(glob), splitPath(path)
	if len(g) != len(p) {
		return false
	}
	for i := range g {
		if g[i] != "*" && !strings.EqualFold(g[i], p[i]) {
			return false
		}
	}
	return true
}

func (fs *faults) add(f faultRule) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = append(fs.rules, &f)
}

func (fs *faults) list() []faultRule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]faultRule, 0, len(fs.rules))
	for _, f := range fs.rules {
		out = append(out, *f)
	}
	return out
}

func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

func (fs *faults) remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.rules {
		if f.ID == id {
			fs.rules = append(fs.rules[:i], fs.rules[i+1:]...)
			return true
		}
	}
	return false
}

// fire finds the first matching rule with firings left and counts it down.
func (fs *faults) fire(method, path, account string) (faultRule, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.rules {
		if f.Remaining > 0 && (f.Method == "" || f.Method == method) && matchGlob(f.Path, path) &&
			(f.Account == "" || strings.EqualFold(f.Account, account)) {
			f.Remaining--
			return *f, true
		}
	}
	return faultRule{}, false
}

// droppedResponse is what a request whose connection was dropped would
// have answered, for the journal.
type droppedResponse struct {
	status int
	body   []byte
}

// injectFaults applies the first matching fault rule to a request.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := requestOf(r)
		f, ok := s.faults.fire(r.Method, r.URL.Path, req.principal.TenantID())
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		switch f.Action {
		case "delay":
			req.fault = fmt.Sprintf("delay %dms", f.DelayMs)
			select {
			case <-time.After(time.Duration(f.DelayMs) * time.Millisecond):
			case <-r.Context().Done():
			}
			next.ServeHTTP(w, r)
		case "drop-after-commit":
			req.fault = "drop-after-commit"
			rec := &captureWriter{ResponseWriter: discardWriter{}, keepBody: true}
			next.ServeHTTP(rec, r)
			req.dropped = &droppedResponse{status: rec.status, body: rec.body}
			panic(http.ErrAbortHandler) // net/http closes the connection, sending nothing
		default:
			req.fault = "status " + strconv.Itoa(f.Status)
			if f.Status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
				respondJSON(w, r, f.Status, throttleBody{StatusCode: 429,
					Message: fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", f.RetryAfter)})
				return
			}
			writeError(w, r, &routeError{f.Status, f.Code, fmt.Sprintf(
				"Injected fault: rule %s answers %d (%d firing(s) left). Remove it with DELETE /_mock/faults/%s.", f.ID, f.Status, f.Remaining, f.ID)})
		}
	})
}

type throttleBody struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// discardWriter swallows a response that will never be sent.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
