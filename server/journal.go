package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// journal keeps the last N requests of the /v1 and token routes for
// GET /_mock/requests, newest first. Secrets never enter it.
type journal struct {
	mu      sync.Mutex
	entries []journalEntry // ring buffer
	next    int
	full    bool
}

type journalEntry struct {
	Time           string            `json:"time"`
	Method         string            `json:"method"`
	Path           string            `json:"path"`
	Query          string            `json:"query"`
	Status         int               `json:"status"`
	Account        string            `json:"account"`
	RequestID      string            `json:"requestId"`
	CorrelationID  string            `json:"correlationId"`
	DurationMs     float64           `json:"durationMs"`
	RequestHeaders map[string]string `json:"requestHeaders"`
	RequestBody    string            `json:"requestBody"`
	ResponseBody   string            `json:"responseBody"`
	Fault          string            `json:"fault,omitempty"`
	Replayed       bool              `json:"replayed"`
}

const (
	// maxCapture is how much of a response body is captured for the
	// journal (enough to redact any answer the mock gives).
	maxCapture = 64 << 10
	// maxJournalBody bounds how much of each body an entry keeps, so a full
	// journal stays small: 1000 list pages clipped at 16 KiB were most of
	// the heap, and twice that in RSS (BENCHMARKS.md).
	maxJournalBody = 4 << 10
)

func newJournal(size int) *journal {
	if size <= 0 {
		return nil
	}
	return &journal{entries: make([]journalEntry, size)}
}

func (j *journal) add(e journalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	j.full = j.full || j.next == 0
}

// list returns the entries newest first.
func (j *journal) list(keep func(journalEntry) bool) []journalEntry {
	out := []journalEntry{}
	if j == nil {
		return out
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	for i := 1; i <= n; i++ {
		e := j.entries[(j.next-i+len(j.entries))%len(j.entries)]
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func (j *journal) clear() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.next, j.full = 0, false
}

// captureWriter remembers the status a handler wrote and, when keepBody
// is set, what the journal needs of the body (see capture).
type captureWriter struct {
	http.ResponseWriter
	keepBody bool
	status   int
	body     []byte
	size     int // body bytes written in all
	// Once the body outgrows maxJournalBody: whether its first
	// maxJournalBody bytes may name a secret.
	checked, secret bool
}

func (w *captureWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.keepBody {
		w.capture(b)
	}
	w.size += len(b)
	return w.ResponseWriter.Write(b)
}

// capture keeps the body's first maxJournalBody bytes, and the rest (up to
// maxCapture) only when those may name a secret: redacting then decodes
// the whole body (journalBody). Other long answers, such as list pages,
// are not copied past what the journal keeps.
func (w *captureWriter) capture(b []byte) {
	if room := maxJournalBody - len(w.body); room > 0 {
		n := min(room, len(b))
		w.body, b = append(w.body, b[:n]...), b[n:]
	}
	if len(b) == 0 {
		return
	}
	if !w.checked {
		w.checked, w.secret = true, mayHoldSecret(w.body)
	}
	if room := maxCapture - len(w.body); w.secret && room > 0 {
		w.body = append(w.body, b[:min(room, len(b))]...)
	}
}

// record journals every request it wraps, also one whose connection a
// drop-after-commit fault closes.
func (s *Server) record(next http.Handler) http.Handler {
	if s.journal == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		cw := &captureWriter{ResponseWriter: w, keepBody: true}
		defer func() {
			req := requestOf(r)
			status, body := cw.status, cw.journalBody()
			if req.dropped != nil {
				status, body = req.dropped.status, journalBody(req.dropped.body, len(req.dropped.body))
			}
			s.journal.add(journalEntry{
				Time:           pcTime(start),
				Method:         r.Method,
				Path:           r.URL.Path,
				Query:          r.URL.RawQuery,
				Status:         status,
				Account:        req.principal.TenantID(),
				RequestID:      req.requestID,
				CorrelationID:  req.correlationID,
				DurationMs:     float64(time.Since(start).Microseconds()) / 1000,
				RequestHeaders: redactHeaders(r.Header),
				RequestBody:    journalBody(req.body, len(req.body)),
				ResponseBody:   body,
				Fault:          req.fault,
				Replayed:       cw.Header().Get("X-Mocksandbox-Replayed") == "true",
			})
		}()
		next.ServeHTTP(cw, r)
	})
}

// secretNames are the properties and form fields the journal never keeps.
var secretNames = map[string]bool{"password": true, "client_secret": true, "access_token": true, "refresh_token": true, "id_token": true}

func redactHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if strings.EqualFold(k, "Authorization") {
			out[k] = "***"
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

// journalBody is what the journal keeps of the response body.
func (w *captureWriter) journalBody() string {
	if w.checked && !w.secret {
		// capture found no secret's name in the part kept, and kept no more.
		return clipped(string(w.body), w.size)
	}
	return journalBody(w.body, w.size)
}

// journalBody is what an entry keeps of a body of size bytes, of which b
// holds the start: redacted, and clipped to maxJournalBody.
func journalBody(b []byte, size int) string {
	if size > maxJournalBody && !mayHoldSecret(b[:min(len(b), maxJournalBody)]) {
		// A secret's value follows its name, so none can be in the part
		// kept when no name starts in it: only that part is looked at.
		return clipped(string(b[:min(len(b), maxJournalBody)]), size)
	}
	out := redactBody(b)
	if len(out) > maxJournalBody {
		out = clipped(out[:maxJournalBody], len(out))
	}
	return out
}

func clipped(kept string, total int) string {
	return kept + "… (clipped: " + strconv.Itoa(total) + " bytes in all)"
}

// redactBody masks secrets in a JSON or form body. Most bodies name no
// secret at all and are kept as they are; decoding every body was most of
// the journal's cost (BENCHMARKS.md).
func redactBody(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !mayHoldSecret(b) {
		return string(b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err == nil {
		return string(mustJSON(redactJSON(v)))
	}
	if form, err := url.ParseQuery(string(b)); err == nil && bytes.IndexByte(b, '=') >= 0 {
		for k := range form {
			if secretNames[strings.ToLower(k)] {
				form[k] = []string{"***"}
			}
		}
		return form.Encode()
	}
	return "(" + strconv.Itoa(len(b)) + " bytes withheld: they may hold a secret and are neither JSON nor a form)"
}

// mayHoldSecret reports whether a body mentions a secret's name in any
// case (every one contains password, secret or _token), or has an escape
// that could spell one; only then does redaction have to decode it. One
// pass, no copy: it runs on every journaled body.
func mayHoldSecret(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch secretStarts[b[i]] {
		case 0:
			continue
		case '\\':
			return true // a JSON escape could spell a name: let the decoder read it
		case 'p':
			if startsWithMark(b[i:], "password") {
				return true
			}
		case 's':
			if startsWithMark(b[i:], "secret") {
				return true
			}
		case '_':
			if startsWithMark(b[i:], "_token") {
				return true
			}
		}
	}
	return false
}

// secretStarts maps the bytes mayHoldSecret stops at to what they may
// start: one table load per byte.
var secretStarts = [256]byte{'p': 'p', 'P': 'p', 's': 's', 'S': 's', '_': '_', '\\': '\\'}

// startsWithMark reports whether b starts with mark, whose first byte the
// caller matched and whose others are lower-case letters, in any case.
func startsWithMark(b []byte, mark string) bool {
	if len(b) < len(mark) {
		return false
	}
	for j := 1; j < len(mark); j++ {
		if b[j]|0x20 != mark[j] { // x|0x20 is a lower-case letter only for that letter's two cases
			return false
		}
	}
	return true
}

func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if secretNames[strings.ToLower(k)] {
				t[k] = "***"
			} else {
				t[k] = redactJSON(c)
			}
		}
	case []any:
		for i, c := range t {
			t[i] = redactJSON(c)
		}
	}
	return v
}
