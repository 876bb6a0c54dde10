package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mocksandbox/mocksandbox/store"
)

func TestPercentile(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i))
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"an empty sample is zero", nil, 50, 0},
		{"one value is every percentile", []time.Duration{7}, 99, 7},
		{"p50 of 1..100 is 50 (nearest rank)", hundred, 50, 50},
		{"p99 of 1..100 is 99", hundred, 99, 99},
		{"p100 is the maximum", hundred, 100, 100},
		{"p99 of 10 values is the largest", hundred[:10], 99, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	if got := median([]time.Duration{5, 1, 3}); got != 3 {
		t.Errorf("median of an odd count = %v, want 3", got)
	}
	if got := median([]int64{4, 1, 3, 2}); got != 2 {
		t.Errorf("median of an even count = %v, want 2 (mean of 2 and 3, truncated)", got)
	}
}

func TestResellerCreatesAreTheDocumentedRequestWithAFreshPrefix(t *testing.T) {
	_, ds := generate("small", 1, spares{customer: 1, reseller: 3})
	op := newWorkload(ds, "deadbeef").writeOps()[1]
	seen := map[string]bool{}
	for k := range int64(1000) {
		r := op.build(k)
		var body struct {
			MpnID  string `json:"mpnId"`
			Tenant struct {
				DomainPrefix string `json:"domainPrefix"`
			} `json:"tenant"`
			OrganizationProfileLanguage string `json:"organizationProfileLanguage"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("request %d: the body is not JSON: %v", k, err)
		}
		prefix := body.Tenant.DomainPrefix
		if !regexp.MustCompile(`^[A-Za-z0-9]{1,27}$`).MatchString(prefix) || seen[prefix] {
			t.Fatalf("request %d: prefix %q is not a fresh valid domainPrefix (SPEC §3.1)", k, prefix)
		}
		seen[prefix] = true
		if body.MpnID != "6363276" || body.OrganizationProfileLanguage != "en" || r.method != "POST" || r.path != "/v1/sandboxIndirectReseller" {
			t.Errorf("request %d = %+v, want the doc example", k, body)
		}
	}
}

func TestLoadConfigRejectsNonsense(t *testing.T) {
	for _, args := range [][]string{{"-n", "1"}, {"-duration", "0s"}, {"extra"}, {"-accounts", "0"}, {"-load", "ab"}} {
		if _, err := loadConfig(args, io.Discard); err == nil {
			t.Errorf("loadConfig(%q) succeeded, want an error", args)
		}
	}
	c, err := loadConfig(nil, io.Discard)
	if err != nil || c.n != 20000 || c.duration != 4*time.Second || c.bin != "" || c.floorBin != "" || c.accounts != 10000 || c.load != "auto" {
		t.Errorf("defaults = %+v, %v", c, err)
	}
}

func TestGenerateFillsEveryFullAccountAndLeavesSparesEmpty(t *testing.T) {
	snap, ds := generate("small", 3, spares{customer: 2, reseller: 4})
	if len(snap.Accounts) != 10 || len(ds.full) != 3 || len(ds.customerSpares) != 2 || len(ds.resellerSpares) != 4 || ds.accounts() != 10 {
		t.Fatalf("got %d accounts (%d full, %d+%d spare), want 10 (3, 2+4, 1 extra)", len(snap.Accounts), len(ds.full), len(ds.customerSpares), len(ds.resellerSpares))
	}
	domains, tokens := map[string]bool{}, map[string]bool{}
	take := func(d string) {
		t.Helper()
		if domains[d] {
			t.Errorf("domain %s is used twice (SPEC §3.7: one namespace)", d)
		}
		domains[d] = true
	}
	for i, as := range snap.Accounts {
		take(as.Account.Domain)
		wantResellers := 2
		if i >= 5 && i < 9 {
			wantResellers = 0 // reseller spares
		}
		if as.Account.Kind != store.Sandbox || len(as.Tokens) != 1 || as.Tokens[0].UserUPN != as.Users[0].UPN || len(as.Resellers) != wantResellers {
			t.Errorf("account %d = %+v, want a sandbox account with one App+User token and %d resellers", i, as, wantResellers)
		}
		if tokens[as.Tokens[0].Token] {
			t.Errorf("token %s is used twice", as.Tokens[0].Token)
		}
		tokens[as.Tokens[0].Token] = true
		for _, r := range as.Resellers {
			take(r.Domain())
		}
		want := 0
		if i < 3 {
			want = customersPerAccount
		}
		if len(as.Customers) != want {
			t.Errorf("account %d has %d customers, want %d", i, len(as.Customers), want)
		}
		byReseller := map[string]int{}
		for j, c := range as.Customers {
			take(c.Domain)
			byReseller[c.ResellerID]++
			if j > 0 && !c.CreatedAt.After(as.Customers[j-1].CreatedAt) {
				t.Errorf("account %d customer %d is not created after the one before", i, j)
			}
			if a := ds.full[i]; c.ResellerID != a.resellerOf(j) || c.ID != a.customers[j] {
				t.Errorf("account %d customer %d: reseller %q id %s; the dataset says %q %s", i, j, c.ResellerID, c.ID, a.resellerOf(j), a.customers[j])
			}
		}
		if i < 3 && (byReseller[""] != 25 || byReseller[as.Resellers[0].ID] != 25 || byReseller[as.Resellers[1].ID] != 25) {
			t.Errorf("account %d: customers per reseller %v; want 25 direct and 25 per reseller", i, byReseller)
		}
	}
}

func TestGeneratedSnapshotSeedsAFileDatabase(t *testing.T) {
	ds, s, err := buildMockDatabase(t.Context(), "small", filepath.Join(t.TempDir(), "small.db"), 2, spares{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if ds.customers() != 2*customersPerAccount || len(ds.full) != 2 || s.fileBytes == 0 {
		t.Errorf("seeding = %+v, want 150 customers in a non-empty file", s)
	}
}

func TestSpareAccountsTakeEveryCreateOfARun(t *testing.T) {
	for _, n := range []int{2, 5000, 12345, 20000} {
		most := 0
		for _, c := range connCounts {
			most += n + halves*(warmupsPerConn+2)*c
		}
		got := spareAccounts(n)
		for _, x := range []struct {
			name       string
			got, limit int
		}{{"customer", got.customer, customersPerAccount}, {"reseller", got.reseller, resellersPerAccount}} {
			if x.got*x.limit < most || (x.got-1)*x.limit >= most {
				t.Errorf("spareAccounts(%d).%s = %d, want the fewest accounts of %d for %d creates", n, x.name, x.got, x.limit, most)
			}
		}
	}
}

func TestCreatesStayWithinTheLimitsAndUseFreshDomains(t *testing.T) {
	sp := spareAccounts(100)
	_, ds := generate("small", 1, sp)
	ops := newWorkload(ds, "cafe0001").writeOps()
	most := int64(0)
	for _, c := range connCounts {
		most += int64(100 + halves*(warmupsPerConn+2)*c)
	}
	for _, op := range ops[:2] {
		perToken, bodies := map[string]int{}, map[string]bool{}
		for k := range most {
			r := op.build(k)
			perToken[r.token]++
			if bodies[string(r.body)] {
				t.Fatalf("%s: request %d repeats an earlier body", op.name, k)
			}
			bodies[string(r.body)] = true
		}
		limit := customersPerAccount
		if op.name == opCreateReseller {
			limit = resellersPerAccount
		}
		for token, n := range perToken {
			if n > limit {
				t.Errorf("%s: %s gets %d creates, over its limit of %d", op.name, token, n, limit)
			}
		}
	}
}

func TestFilterPathIsTheDotNetRequest(t *testing.T) {
	const id = "484e548c-f5f3-4528-93a9-c16c6373cb59"
	want := "/v1/customers?size=0&filter=%7B%22Field%22%3A%22IndirectReseller%22%2C%22Value%22%3A%22" + id + "%22%2C%22Operator%22%3A%22starts_with%22%7D"
	if got := filterPath(id); got != want {
		t.Errorf("filterPath = %s\nwant (CLIENT-WIRE.md) %s", got, want)
	}
}

func TestCustomerBodyIsTheJavaRequest(t *testing.T) {
	var body struct {
		CompanyProfile struct {
			Domain string `json:"domain"`
		} `json:"companyProfile"`
		BillingProfile struct {
			Email string `json:"email"`
		} `json:"billingProfile"`
		AssociatedPartnerID string `json:"associatedPartnerId"`
	}
	if err := json.Unmarshal(fmt.Appendf(nil, customerBody, "new1.onmicrosoft.com", "r1"), &body); err != nil {
		t.Fatalf("the body is not JSON: %v", err)
	}
	if body.CompanyProfile.Domain != "new1.onmicrosoft.com" || body.BillingProfile.Email != "admin@new1.onmicrosoft.com" || body.AssociatedPartnerID != "r1" {
		t.Errorf("body = %+v", body)
	}
}

func TestMergeJoinsHalves(t *testing.T) {
	first := errors.New("first")
	a := result{latency: []time.Duration{1, 5}, ok: 2, elapsed: time.Second, errors: 1, firstErr: first, cpu: 3, bodyBytes: 10}
	b := result{latency: []time.Duration{3}, ok: 1, elapsed: time.Second, errors: 2, firstErr: errors.New("second"), cpu: 4, bodyBytes: 5}
	m := merge(a, b)
	if !slices.Equal(m.latency, []time.Duration{1, 3, 5}) || m.elapsed != 2*time.Second || m.errors != 3 || m.firstErr != first ||
		m.cpu != 7 || m.ok != 3 || m.bodyBytes != 15 {
		t.Errorf("merge = %+v", m)
	}
	if got := m.throughput(); got != 1.5 {
		t.Errorf("merged throughput = %v, want 1.5 (3 answers in 2s)", got)
	}
	if got := m.cpuPerRequest(); got != 2 {
		t.Errorf("merged CPU per request = %v, want 2ns (7ns over 3 answers)", got)
	}
}

// wrkCorrect is wrk 4's stats_correct, transcribed.
func wrkCorrect(data map[int64]int64, expected int64) {
	var hi int64
	for v := range data {
		hi = max(hi, v)
	}
	for n := expected * 2; n <= hi; n++ {
		count := data[n]
		for m := n - expected; count > 0 && m > expected; m -= expected {
			data[m] += count
		}
	}
}

func TestWrkUncorrectRecoversTheMeasuredHistogram(t *testing.T) {
	measured := map[int64]int64{90: 500, 100: 4000, 110: 300, 250: 7, 400: 3, 1000: 1, 5000: 2}
	for _, e := range []int64{1, 50, 100, 333, 6000} {
		corrected := maps.Clone(measured)
		wrkCorrect(corrected, e)
		if e == 100 && maps.Equal(corrected, measured) {
			t.Fatal("the transcribed correction changed nothing; the test proves nothing")
		}
		if got := wrkUncorrect(corrected, e); !maps.Equal(got, measured) {
			t.Errorf("e=%d: wrkUncorrect = %v, want %v", e, got, measured)
		}
	}
}

func TestWrkResultUndoesTheCorrectionAndCountsErrors(t *testing.T) {
	measured := map[int64]int64{100: 60, 120: 30, 900: 10}
	corrected := maps.Clone(measured)
	wrkCorrect(corrected, 1000000/(100/2)) // 100 requests in 1 s on 2 connections
	w := wrkResult{Requests: 100, Duration: 1000000, Got: 100, Bad: 1, FirstBad: "status 500", Bytes: 1000, Start: 5, End: 500005, Read: 2}
	for v, c := range corrected {
		w.Hist = append(w.Hist, [2]int64{v, c})
	}
	res, err := w.result(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.latency) != 100 || res.latency[0] != 100*time.Microsecond || percentile(res.latency, 95) != 900*time.Microsecond {
		t.Errorf("latency: %d samples, p0 %v, p95 %v", len(res.latency), res.latency[0], percentile(res.latency, 95))
	}
	if res.ok != 99 || res.errors != 3 || res.elapsed != 500*time.Millisecond || res.firstErr == nil || res.firstErr.Error() != "status 500" {
		t.Errorf("result = ok %d, errors %d, elapsed %v, first %v", res.ok, res.errors, res.elapsed, res.firstErr)
	}
	w.Hist = w.Hist[:1]
	if _, err := w.result(2); err == nil {
		t.Error("a histogram that does not add up was accepted")
	}
}

func TestParseStatCPU(t *testing.T) {
	stat := "4242 (mock sandbox) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 37 0 0 20 0 9 0 100 800000000 3000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	if got, err := parseStatCPU([]byte(stat)); err != nil || got != 1870*time.Millisecond {
		t.Errorf("parseStatCPU = %v, %v; want 1.87s (150 + 37 ticks)", got, err)
	}
	if _, err := parseStatCPU([]byte("4242 (x) S 1")); err == nil {
		t.Error("a short stat line was accepted")
	}
}

func TestRawRequestIsWhatTheGoLoopSends(t *testing.T) {
	for _, r := range []request{
		{method: "GET", path: "/v1/customers?size=50", token: "tok", requestID: "r1", correlationID: "c1"},
		{method: "POST", path: "/v1/customers", token: "tok", requestID: "r2", correlationID: "c2", body: []byte(`{"a":1}`)},
	} {
		got, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(rawRequest("127.0.0.1:9", r))))
		if err != nil {
			t.Fatalf("%s: %v", r.method, err)
		}
		body, _ := io.ReadAll(got.Body)
		if got.Method != r.method || got.URL.String() != r.path || got.Host != "127.0.0.1:9" || string(body) != string(r.body) ||
			got.Header.Get("Authorization") != "Bearer tok" || got.Header.Get("MS-RequestId") != r.requestID ||
			got.Header.Get("MS-CorrelationId") != r.correlationID {
			t.Errorf("%s: parsed back as %s %s %v %q", r.method, got.Method, got.URL, got.Header, body)
		}
	}
}

func TestExpectCheck(t *testing.T) {
	created := expect{status: 201, contains: `"accountId"`}
	replay := expect{status: 201, replayed: true}
	for _, tt := range []struct {
		name     string
		e        expect
		status   int
		replayed string
		body     string
		ok       bool
	}{
		{"a first create", created, 201, "", `{"accountId":"x"}`, true},
		{"a wrong status", created, 400, "", `{"accountId":"x"}`, false},
		{"a first create answered as a replay", created, 201, "true", `{"accountId":"x"}`, false},
		{"a body without the wanted member", created, 201, "", `{}`, false},
		{"a replay", replay, 201, "true", `{}`, true},
		{"a replay without the header", replay, 201, "", `{}`, false},
	} {
		if err := tt.e.check(tt.status, tt.replayed, []byte(tt.body)); (err == nil) != tt.ok {
			t.Errorf("%s: check = %v", tt.name, err)
		}
	}
}

func TestReportWritesEveryTable(t *testing.T) {
	r := &report{starts: map[string][]start{}, results: map[phaseKey]result{}}
	for _, s := range []string{"mock", "floor"} {
		r.starts[s] = []start{{ready: 8 * time.Millisecond, rss: 13 << 20}}
		for _, db := range []string{"small", "large"} {
			r.memory = append(r.memory, memoryReport{server: s, db: db, ready: 12 << 20, loaded: 30 << 20, peak: 31 << 20})
			for _, op := range allOps {
				for _, c := range connCounts {
					r.results[phaseKey{s, db, op, c}] = result{latency: []time.Duration{time.Millisecond}, ok: 1, elapsed: time.Second}
				}
			}
		}
	}
	r.databases = []dbReport{{name: "small", full: 10}, {name: "large", full: 10000}}
	var b strings.Builder
	if err := r.write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Start-up", "### Throughput", "### Latency", "### Large database (10000 accounts", "### Memory", "### Targets", "### Every phase"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report has no %q", want)
		}
	}
	if n := strings.Count(b.String(), "| **no** |") + strings.Count(b.String(), "| yes |"); n < 17 {
		t.Errorf("the report judges %d targets, want at least 17:\n%s", n, b.String())
	}
}
