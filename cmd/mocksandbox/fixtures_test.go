package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mocksandbox/mocksandbox/store"
)

// twoAccounts is fixtures/examples/two-accounts.json, from this package's
// directory (go test runs there, and so do the processes it starts).
var twoAccounts = filepath.Join("..", "..", "fixtures", "examples", "two-accounts.json")

// Hard-coded names of the two-accounts example.
const (
	sandboxToken    = "fabrikam-sandbox-token"
	sandboxAppToken = "fabrikam-app-token"
	primaryToken    = "woodgrove-primary-token"

	northwindID  = "5a0d0000-0000-4000-8000-0000000000e1"
	tailspinID   = "5a0d0000-0000-4000-8000-0000000000e2"
	adatumID     = "5a0d0000-0000-4000-8000-0000000000c1"
	contosoID    = "5a0d0000-0000-4000-8000-0000000000c2" // no billingProfile
	litwareID    = "5a0d0000-0000-4000-8000-0000000000c3" // Northwind's, commerceId given
	wingtipID    = "5a0d0000-0000-4000-8000-0000000000c4"
	alpineID     = "b0e20000-0000-4000-8000-0000000000c1"
	cohoWineryID = "b0e20000-0000-4000-8000-0000000000c2"
)

// exitTimeoutBadFixture bounds how long a refused start-up may take.
const exitTimeoutBadFixture = 10 * time.Second

// runToExit runs the built binary with args until it exits and returns its
// exit code, stdout and stderr. It fails the test if the process is still
// running after exitTimeoutBadFixture.
func runToExit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeoutBadFixture)
	defer cancel()
	cmd := exec.CommandContext(ctx, mocksandboxBinary(t), args...)
	cmd.Env = hermeticEnv()
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("mocksandbox %q still running after %s; stderr:\n%s", args, exitTimeoutBadFixture, errOut.String())
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("mocksandbox %q: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// accountsIn counts the accounts in the database file at path: 0 when the
// file or its accounts table does not exist.
func accountsIn(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables, n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'accounts'`).Scan(&tables); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if tables == 0 {
		return 0
	}
	if err := db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// Builders of small fixture accounts. goodAccount(n) is valid on its own;
// the bad cases put a good account first so that a refused file would
// have something to half-load.
func goodAccount(n int, extra string) string {
	s := fmt.Sprintf(`{"id":"00000000-0000-4000-8000-%012d","name":"A%d","domain":"a%d.onmicrosoft.com","kind":"sandbox","mpnId":"1","country":"US",`+
		`"users":[{"upn":"admin@a%d.onmicrosoft.com"}],"tokens":[{"token":"token-%d","user":"admin@a%d.onmicrosoft.com"}],`+
		`"resellers":[{"id":"00000000-0000-4000-8000-%012d","mpnId":"1","domainPrefix":"a%dreseller","name":"R","country":"US"}],`+
		`"customers":[{"id":"00000000-0000-4000-8000-%012d","domain":"a%dcustomer.example.com","companyName":"C"}]`,
		n, n, n, n, n, n, 100+n, n, 200+n, n)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func fixtureJSON(accounts ...string) string {
	return `{"accounts":[` + strings.Join(accounts, ",") + `]}`
}

func TestABadFixtureStopsStartUpWithNothingLoaded(t *testing.T) {
	t.Parallel()
	second := func(extra string) map[string]string {
		return map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), goodAccount(2, extra))}
	}
	cases := []struct {
		name  string
		files map[string]string // in a fresh directory; the first file in name order is passed unless dir is set
		dir   bool              // pass the directory instead
		want  []string          // the file (besides the passed path), the JSON path, a word of the fix
	}{
		{"unknown field", second(`"customerz":[]`), false, []string{"$.accounts[1].customerz", "case-sensitive"}},
		{"a subscription of an offer not in the catalog", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), `"companyName":"C"`,
			`"companyName":"C","subscriptions":[{"id":"00000000-0000-4000-8000-000000000402","offerId":"00000000-0000-4000-8000-000000000999","quantity":1}]`, 1))}, false,
			[]string{"$.accounts[1].customers[0].subscriptions[0].offerId", "not in the catalog", "$.catalog"}},
		{"a subscription over licensesPerSubscription", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, `"limits":{"licensesPerSubscription":2}`), `"companyName":"C"`,
			`"companyName":"C","subscriptions":[{"id":"00000000-0000-4000-8000-000000000402","offerId":"91FD106F-4B2C-4938-95AC-F54F74E9A239","quantity":3}]`, 1))}, false,
			[]string{"$.accounts[1].customers[0].subscriptions[0].quantity", "raise limits.licensesPerSubscription"}},
		{"a subscription naming no order of its customer", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), `"companyName":"C"`,
			`"companyName":"C","subscriptions":[{"id":"00000000-0000-4000-8000-000000000402","offerId":"91FD106F-4B2C-4938-95AC-F54F74E9A239","quantity":3,"orderId":"00000000-0000-4000-8000-000000000302"}]`, 1))}, false,
			[]string{"$.accounts[1].customers[0].subscriptions[0].orderId", "not an order of this customer"}},
		{"a bad catalog entry", map[string]string{"bad.json": `{"catalog":[{"id":"CFQ7TTC0MOCK:0001:CFQ7TTC0MCK1","name":"X","maximumQuantity":0}],"accounts":[` + goodAccount(1, "") + `]}`}, false,
			[]string{"$.catalog[0].maximumQuantity", "from minimumQuantity (1) to 10000"}},
		{"wrong type", second(`"apps":[{"appId":42}]`), false, []string{"$.accounts[1].apps[0].appId", "expected a string"}},
		{"bad GUID", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "00000000-0000-4000-8000-000000000202", "c2", 1))}, false,
			[]string{"$.accounts[1].customers[0].id", "GUID"}},
		{"bad customer domain", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "a2customer.example.com", "a2customer_.example.com", 1))}, false,
			[]string{"$.accounts[1].customers[0].domain", "domain name"}},
		{"bad domainPrefix", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "a2reseller", "a2-reseller", 1))}, false,
			[]string{"$.accounts[1].resellers[0].domainPrefix", "letters and digits"}},
		{"bad country", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), `"country":"US"`, `"country":"United States"`, 1))}, false,
			[]string{"$.accounts[1].country", "two-letter"}},
		{"bad kind", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "sandbox", "production", 1))}, false,
			[]string{"$.accounts[1].kind", `"primary"`}},
		{"duplicate id", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "00000000-0000-4000-8000-000000000202", "00000000-0000-4000-8000-000000000201", 1))}, false,
			[]string{"$.accounts[1].customers[0].id", "duplicate tenant id", "$.accounts[0].customers[0].id"}},
		{"duplicate domain", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "a2customer.example.com", "A1Reseller.onmicrosoft.com", 1))}, false,
			[]string{"$.accounts[1].customers[0].domain", "duplicate domain", "$.accounts[0].resellers[0].domainPrefix"}},
		{"duplicate static token", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), "token-2", "token-1", 1))}, false,
			[]string{"$.accounts[1].tokens[0].token", "duplicate token", "$.accounts[0].tokens[0].token"}},
		{"too many resellers", second(`"limits":{"resellers":0}`), false, []string{"$.accounts[1].resellers", "raise limits.resellers"}},
		{"too many customers", second(`"limits":{"customers":0}`), false, []string{"$.accounts[1].customers", "raise limits.customers"}},
		{"a customer of another account's reseller", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), `"companyName":"C"`, `"companyName":"C","associatedPartnerId":"00000000-0000-4000-8000-000000000101"`, 1))}, false,
			[]string{"$.accounts[1].customers[0].associatedPartnerId", "not a reseller of this account"}},
		{"a token naming an unknown user", map[string]string{"bad.json": fixtureJSON(goodAccount(1, ""), strings.Replace(goodAccount(2, ""), `"user":"admin@a2`, `"user":"root@a2`, 1))}, false,
			[]string{"$.accounts[1].tokens[0].user", "list it under users"}},
		{"a duplicate across the files of a directory", map[string]string{
			"1-good.json": fixtureJSON(goodAccount(1, "")),
			"2-bad.json":  fixtureJSON(strings.Replace(goodAccount(2, ""), "token-2", "token-1", 1)),
		}, true, []string{"2-bad.json: $.accounts[0].tokens[0].token", "duplicate token", "1-good.json: $.accounts[0].tokens[0].token"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var first string
			for name, data := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
				if first == "" || name < first {
					first = name
				}
			}
			path := filepath.Join(dir, first)
			if c.dir {
				path = dir
			}
			want := append([]string{path}, c.want...)
			db := filepath.Join(t.TempDir(), "state.db")

			code, _, stderr := runToExit(t, "--addr", "127.0.0.1:0", "--log-format", "json", "--db", db, "--fixtures", path)
			if code == 0 {
				t.Fatalf("serving a bad fixture exited 0; stderr:\n%s", stderr)
			}
			for _, w := range want {
				if !strings.Contains(stderr, w) {
					t.Errorf("start-up stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if n := accountsIn(t, db); n != 0 {
				t.Errorf("--db %s holds %d accounts after a refused start-up; nothing may be half-loaded", db, n)
			}

			vcode, vstdout, vstderr := runToExit(t, "fixtures", "validate", path)
			if vcode == 0 {
				t.Fatalf("fixtures validate exited 0 on a bad fixture; stdout: %s", vstdout)
			}
			if strings.TrimSpace(vstderr) != strings.TrimSpace(stderr) {
				t.Errorf("fixtures validate says\n%s\nbut start-up said\n%s", vstderr, stderr)
			}
		})
	}
}

func TestFixturesValidateAcceptsTheExamples(t *testing.T) {
	t.Parallel()
	for _, path := range []string{twoAccounts, filepath.Dir(twoAccounts)} {
		code, stdout, stderr := runToExit(t, "fixtures", "validate", path)
		if code != 0 {
			t.Fatalf("fixtures validate %s: exit %d; stderr:\n%s", path, code, stderr)
		}
		if !strings.Contains(stdout, path+": ok") {
			t.Errorf("fixtures validate %s printed %q, want it to say ok", path, stdout)
		}
	}
}

// pcError is a Partner Center error body.
type pcError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// requireError checks a response's status and Partner Center error code.
func requireError(t *testing.T, what string, resp pcResponse, status, code int) {
	t.Helper()
	var e pcError
	if err := json.Unmarshal(resp.body, &e); err != nil || resp.status != status || e.Code != code {
		t.Errorf("%s: %d %s, want %d with code %d", what, resp.status, resp.body, status, code)
	}
}

// customerIDs is GET /v1/customers as ids in the order listed.
func customerIDs(t *testing.T, baseURL, token string) []string {
	t.Helper()
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	getJSON(t, baseURL, token, "/v1/customers", &list)
	ids := make([]string, len(list.Items))
	for i, it := range list.Items {
		ids[i] = it.ID
	}
	return ids
}

// fixtureCustomer is the part of GET /v1/customers/{id} the fixture sets.
type fixtureCustomer struct {
	ID                  string `json:"id"`
	CommerceID          string `json:"commerceId"`
	AssociatedPartnerID string `json:"associatedPartnerId"`
	CompanyProfile      struct {
		Domain      string `json:"domain"`
		CompanyName string `json:"companyName"`
	} `json:"companyProfile"`
	BillingProfile struct {
		ID             string            `json:"id"`
		Email          string            `json:"email"`
		Culture        string            `json:"culture"`
		Language       string            `json:"language"`
		CompanyName    string            `json:"companyName"`
		DefaultAddress map[string]string `json:"defaultAddress"`
		Attributes     struct {
			ETag string `json:"etag"`
		} `json:"attributes"`
	} `json:"billingProfile"`
}

func getCustomer(t *testing.T, baseURL, token, id string) fixtureCustomer {
	t.Helper()
	resp := do(t, baseURL, pcRequest{method: http.MethodGet, path: "/v1/customers/" + id, token: token})
	if resp.status != http.StatusOK {
		t.Fatalf("GET /v1/customers/%s: %d %s", id, resp.status, resp.body)
	}
	var c fixtureCustomer
	if err := json.Unmarshal(resp.body, &c); err != nil {
		t.Fatalf("GET /v1/customers/%s: %v: %s", id, err, resp.body)
	}
	return c
}

func TestTheTwoAccountsExampleIsServedWithItsIDs(t *testing.T) {
	t.Parallel()
	p := startMock(t, "--fixtures", twoAccounts)

	t.Run("the sandbox account lists its resellers by their fixture ids", func(t *testing.T) {
		if got, want := listResellerIDs(t, p.url, sandboxToken), []string{northwindID, tailspinID}; !reflect.DeepEqual(got, want) {
			t.Errorf("resellers %q, want %q", got, want)
		}
	})
	t.Run("the sandbox account lists exactly its customers, in fixture order", func(t *testing.T) {
		want := []string{adatumID, contosoID, litwareID, wingtipID}
		for _, token := range []string{sandboxToken, sandboxAppToken} {
			if got := customerIDs(t, p.url, token); !reflect.DeepEqual(got, want) {
				t.Errorf("with %s: customers %q, want %q", token, got, want)
			}
		}
	})
	t.Run("a customer without billing data gets the derived billing profile", func(t *testing.T) {
		c := getCustomer(t, p.url, sandboxToken, contosoID)
		b := c.BillingProfile
		if c.CompanyProfile.Domain != "contosodirect.onmicrosoft.com" || c.CompanyProfile.CompanyName != "Contoso Direct" || c.AssociatedPartnerID != "" {
			t.Errorf("company profile %+v, reseller %q", c.CompanyProfile, c.AssociatedPartnerID)
		}
		if b.Email != "admin@contosodirect.onmicrosoft.com" || b.Culture != "en-US" || b.Language != "en" || b.CompanyName != "Contoso Direct" {
			t.Errorf("billing profile %+v", b)
		}
		wantAddress := map[string]string{"addressLine1": "1 Fabrikam Way", "city": "Seattle", "state": "WA", "postalCode": "98101", "country": "US"}
		if !reflect.DeepEqual(b.DefaultAddress, wantAddress) {
			t.Errorf("defaultAddress %v, want the account's address %v", b.DefaultAddress, wantAddress)
		}
		if c.CommerceID != store.DerivedID("commerce:"+contosoID) || b.ID != store.DerivedID("billing:"+contosoID) || b.Attributes.ETag == "" {
			t.Errorf("derived ids: commerceId %s, billing id %s, etag %q", c.CommerceID, b.ID, b.Attributes.ETag)
		}
	})
	t.Run("a reseller's customer keeps its reseller and commerceId", func(t *testing.T) {
		c := getCustomer(t, p.url, sandboxToken, litwareID)
		if c.AssociatedPartnerID != northwindID || c.CommerceID != "5a0d0000-0000-4000-8000-0000000000d3" {
			t.Errorf("associatedPartnerId %s, commerceId %s", c.AssociatedPartnerID, c.CommerceID)
		}
	})
	t.Run("the primary account sees only its own customers", func(t *testing.T) {
		if got, want := customerIDs(t, p.url, primaryToken), []string{alpineID, cohoWineryID}; !reflect.DeepEqual(got, want) {
			t.Errorf("customers %q, want %q", got, want)
		}
		resp := do(t, p.url, pcRequest{method: http.MethodGet, path: "/v1/customers/" + adatumID, token: primaryToken})
		requireError(t, "GET a sandbox customer with the primary token", resp, http.StatusNotFound, 60003)
	})
	t.Run("the primary account cannot create resellers", func(t *testing.T) {
		resp := do(t, p.url, pcRequest{method: http.MethodPost, path: "/v1/sandboxIndirectReseller", token: primaryToken, body: resellerBody("woodgrovereseller")})
		requireError(t, "POST /v1/sandboxIndirectReseller with the primary token", resp, http.StatusUnauthorized, 6002)
	})
}
