package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestAPanicAnswers500WithAPartnerCenterBodyAndIsLogged(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: zerolog.New(&logs), version: "test", serverID: "x"}
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	hs := httptest.NewServer(s.requestIDs(s.accessLog(recoverer(boom))))
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/v1/anything", nil)
	req.Header.Set("MS-CorrelationId", "corr-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body errorBody
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 500 || body.Code != codeUnexpected || body.Source != sourcePartnerCenter {
		t.Errorf("panic answered %d %+v", resp.StatusCode, body)
	}
	if resp.Header.Get("MS-CorrelationId") != "corr-1" {
		t.Errorf("500 lacks the echoed correlation id")
	}
	for _, want := range []string{`"panic":"boom"`, `"stack"`, `"status":500`, `"correlationId":"corr-1"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestTheAccessLogHasOneLinePerRequestAndNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: zerolog.New(&logs), version: "test", serverID: "x"}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	hs := httptest.NewServer(s.requestIDs(s.accessLog(ok)))
	defer hs.Close()
	req, _ := http.NewRequest("DELETE", hs.URL+"/v1/x", nil)
	req.Header.Set("Authorization", "Bearer super-secret-token")
	req.Header.Set("MS-RequestId", "req-1")
	req.Header.Set("MS-CorrelationId", "corr-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines: %s", len(lines), logs.String())
	}
	var line map[string]any
	json.Unmarshal([]byte(lines[0]), &line)
	for k, v := range map[string]any{"method": "DELETE", "status": float64(204), "requestId": "req-1", "correlationId": "corr-1"} {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["durationMs"]; !ok {
		t.Errorf("log lacks durationMs: %s", lines[0])
	}
	if strings.Contains(logs.String(), "super-secret-token") {
		t.Error("the log holds the bearer token")
	}
}

func TestPathNormalizerKeepsParametersAsSent(t *testing.T) {
	n := &pathNormalizer{patterns: []routePattern{
		{segs: splitPath("/v1/customers/{id}")},
		{segs: splitPath("/v1/customers/relationshiprequests")},
		{segs: splitPath("/_mock/snapshots/{name}/restore")},
	}}
	cases := map[string]string{
		"/V1/Customers/ABC":                     "/v1/customers/ABC",
		"//v1//customers/RelationshipRequests/": "/v1/customers/relationshiprequests",
		"/_mock/snapshots/Restore/RESTORE":      "/_mock/snapshots/Restore/restore",
		"/v1/customers/a%2Fb":                   "/v1/customers/a%2Fb",
		"/unknown//Path/":                       "/unknown/Path",
	}
	for in, want := range cases {
		if got := n.normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJournalBodiesAreRedactedAndClipped(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"name":"Contoso"}`, `{"name":"Contoso"}`}, // no secret: kept as sent
		{`{"tenant":{"Password":"p"},"x":[{"refresh_token":"r"}]}`, `{"tenant":{"Password":"***"},"x":[{"refresh_token":"***"}]}`},
		{`grant_type=password&client_secret=s&password=p`, `client_secret=%2A%2A%2A&grant_type=password&password=%2A%2A%2A`},
		{`not json, password: hunter2`, `(27 bytes withheld: they may hold a secret and are neither JSON nor a form)`},
		{`{"pass\u0077ord":"p"}`, `{"password":"***"}`}, // an escape spelling a secret's name
	}
	for _, c := range cases {
		if got := journalBody([]byte(c.in), len(c.in)); got != c.want {
			t.Errorf("journalBody(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	big := journalBody([]byte(`{"a":"`+strings.Repeat("x", maxJournalBody)+`"}`), maxJournalBody+8)
	if len(big) > maxJournalBody+64 || !strings.HasSuffix(big, fmt.Sprintf("(clipped: %d bytes in all)", maxJournalBody+8)) {
		t.Errorf("a big body is kept as %d bytes ending %q", len(big), big[len(big)-40:])
	}
	// Only the kept part is looked at, unless a secret's name starts in it.
	pad := strings.Repeat("x", maxJournalBody)
	for _, c := range []struct{ in, notKept string }{
		{`{"password":"hunter2","a":"` + pad + `"}`, "hunter2"},
		{`{"a":"` + pad[:maxJournalBody-22] + `","PassWord":"hunter2"}`, "hunter2"}, // the value straddles the clip
		{`{"a":"` + pad[:maxJournalBody-12] + `","password":"hunter2"}`, "hunter2"}, // name straddles the clip
	} {
		got := journalBody([]byte(c.in), len(c.in))
		if strings.Contains(got, c.notKept) || !strings.Contains(got, "(clipped: ") || len(got) > maxJournalBody+64 {
			t.Errorf("journalBody(%d bytes) kept %d bytes: …%s", len(c.in), len(got), got[max(0, len(got)-80):])
		}
	}
}

// The capture keeps what journalBody needs, however the handler splits
// its writes: the whole body when its kept part names a secret, else only
// the kept part.
func TestTheCaptureKeepsWhatRedactionNeeds(t *testing.T) {
	pad := strings.Repeat("x", maxJournalBody)
	for _, c := range []struct {
		writes     []string
		want       string // in the journal
		notKept    string
		wantCopied int // -1: all of it
	}{
		// The secret's value starts in the kept part: the whole body is copied and redacted.
		{[]string{`{"a":"` + pad[:maxJournalBody-24] + `","password":"`, `hunter2","b":"` + pad + `"}`}, "(clipped: ", "hunt", -1},
		{[]string{`{"a":"` + pad[:100], pad[100:], pad + `"}`}, "(clipped: ", "", maxJournalBody},
		{[]string{`{"a":"x"}`}, `{"a":"x"}`, "", 9},
	} {
		cw := &captureWriter{ResponseWriter: httptest.NewRecorder(), keepBody: true}
		total := 0
		for _, w := range c.writes {
			cw.Write([]byte(w))
			total += len(w)
		}
		got := cw.journalBody()
		if c.wantCopied < 0 {
			c.wantCopied = total
		}
		if cw.size != total || len(cw.body) != c.wantCopied || !strings.Contains(got, c.want) ||
			(c.notKept != "" && strings.Contains(got, c.notKept)) {
			t.Errorf("%d writes of %d bytes: %d copied (want %d), journal keeps %d bytes: %.80s…", len(c.writes), total,
				len(cw.body), c.wantCopied, len(got), got)
		}
	}
}
