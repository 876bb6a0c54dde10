package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
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

func TestResellerBodyIsTheDocumentedRequestWithAFreshPrefix(t *testing.T) {
	wl := &workload{runID: "deadbeef"}
	prefix := wl.prefix(1234567)
	if !regexp.MustCompile(`^[A-Za-z0-9]{1,27}$`).MatchString(prefix) {
		t.Fatalf("prefix %q is not a valid domainPrefix (SPEC §3.1)", prefix)
	}
	var body struct {
		MpnID  string `json:"mpnId"`
		Tenant struct {
			DomainPrefix string `json:"domainPrefix"`
		} `json:"tenant"`
		OrganizationProfileLanguage string `json:"organizationProfileLanguage"`
	}
	if err := json.Unmarshal(fmt.Appendf(nil, resellerBody, prefix), &body); err != nil {
		t.Fatalf("the body is not JSON: %v", err)
	}
	if body.MpnID != "6363276" || body.Tenant.DomainPrefix != prefix || body.OrganizationProfileLanguage != "en" {
		t.Errorf("body = %+v, want the doc example with domainPrefix %q", body, prefix)
	}
}

func TestLoadConfigRejectsNonsense(t *testing.T) {
	for _, args := range [][]string{{"-n", "0"}, {"-duration", "0s"}, {"extra"}, {"-accounts", "0"}, {"-customer-duration", "0s"}} {
		if _, err := loadConfig(args, io.Discard); err == nil {
			t.Errorf("loadConfig(%q) succeeded, want an error", args)
		}
	}
	c, err := loadConfig(nil, io.Discard)
	if err != nil || c.n < 1 || c.duration <= 0 || c.bin != "" || c.accounts != 1000 || c.customerDuration <= 0 {
		t.Errorf("defaults = %+v, %v", c, err)
	}
}

func TestGenerateFillsEveryFullAccountAndLeavesSparesEmpty(t *testing.T) {
	snap, ds := generate("small", 3, 2)
	if len(snap.Accounts) != 5 || len(ds.full) != 3 || len(ds.spares) != 2 {
		t.Fatalf("got %d accounts (%d full, %d spare), want 5 (3, 2)", len(snap.Accounts), len(ds.full), len(ds.spares))
	}
	domains := map[string]bool{}
	take := func(d string) {
		t.Helper()
		if domains[d] {
			t.Errorf("domain %s is used twice (SPEC §3.7: one namespace)", d)
		}
		domains[d] = true
	}
	for i, as := range snap.Accounts {
		take(as.Account.Domain)
		if as.Account.Kind != store.Sandbox || len(as.Tokens) != 1 || as.Tokens[0].UserUPN != as.Users[0].UPN || len(as.Resellers) != 2 {
			t.Errorf("account %d = %+v, want a sandbox account with one App+User token and 2 resellers", i, as)
		}
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
		}
		if i < 3 {
			a := ds.full[i]
			if byReseller[""] != 25 || byReseller[a.resellers[0]] != a.byReseller[0] || a.byReseller[0] != 25 || a.byReseller[1] != 25 {
				t.Errorf("account %d: customers per reseller %v, byReseller %v; want 25 direct and 25 per reseller", i, byReseller, a.byReseller)
			}
		}
	}
}

func TestGeneratedSnapshotSeedsAFileDatabase(t *testing.T) {
	ds, s, err := buildDatabase(t.Context(), "small", filepath.Join(t.TempDir(), "small.db"), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.customers != 2*customersPerAccount || len(ds.full) != 2 || s.fileBytes == 0 {
		t.Errorf("seeding = %+v, want 150 customers in a non-empty file", s)
	}
}

func TestSpareAccountsTakeEveryCreateOfARun(t *testing.T) {
	for _, n := range []int{1, 2, 5000, 12345} {
		most := 0
		for _, c := range customerConns {
			most += n + abbaHalves*warmupsPerConn*c
		}
		if got := spareAccounts(n); got*customersPerAccount < most || (got-1)*customersPerAccount >= most {
			t.Errorf("spareAccounts(%d) = %d, want the fewest accounts of %d for %d creates", n, got, customersPerAccount, most)
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
	a := result{op: "x", conns: 8, latency: []time.Duration{1, 5}, elapsed: time.Second, errors: 1, firstErr: first}
	b := result{op: "x", conns: 8, latency: []time.Duration{3}, elapsed: time.Second, errors: 2, firstErr: errors.New("second")}
	m := merge(a, b)
	if !slices.Equal(m.latency, []time.Duration{1, 3, 5}) || m.elapsed != 2*time.Second || m.errors != 3 || m.firstErr != first {
		t.Errorf("merge = %+v", m)
	}
	if got := m.throughput(); got != 1.5 {
		t.Errorf("merged throughput = %v, want 1.5 (3 answers in 2s)", got)
	}
}
