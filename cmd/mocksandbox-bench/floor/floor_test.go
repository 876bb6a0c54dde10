package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestCustomerDocHasTheAskedSizesAndIsJSON(t *testing.T) {
	for _, tt := range []struct {
		name            string
		item, doc       int
		extra           string
		wantItem, wantD int
	}{
		{"sizes that fit are met exactly", 400, 1100, "", 400, 1100},
		{"extra members count towards the document", 400, 1100, `,"userCredentials":{"userName":"admin"}`, 400, 1100},
		{"sizes too small give the smallest document", 10, 20, "", 105, 133},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, ilen := customerDoc("0b8a0c4e-4e0e-4d5f-9d3c-0d5d0a8c6a11", "bench-acct-7", "r", tt.item, tt.doc, tt.extra)
			item := append(doc[:ilen:ilen], '}')
			if len(item) != tt.wantItem || len(doc) != tt.wantD {
				t.Errorf("item %d bytes, doc %d bytes; want %d and %d", len(item), len(doc), tt.wantItem, tt.wantD)
			}
			for _, b := range [][]byte{item, doc} {
				if !json.Valid(b) {
					t.Errorf("not JSON: %s", b)
				}
			}
		})
	}
}

func TestPageIsPaddedToTheTarget(t *testing.T) {
	items := [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)}
	for _, more := range []bool{false, true} {
		p := page(items, more, 300)
		if len(p) != 300 || !json.Valid(p) {
			t.Errorf("page(more=%v) = %d bytes, valid %v; want 300 bytes of JSON", more, len(p), json.Valid(p))
		}
	}
	if p := page(items, false, 0); !json.Valid(p) {
		t.Errorf("an unpadded page is not JSON: %s", p)
	}
}

func TestServerAnswersTheBenchRequests(t *testing.T) {
	db, err := open(filepath.Join(t.TempDir(), "floor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.close() })
	lines := "acct\tr1\tc1\nacct\t\tc2\nacct\tr1\tc3\nother\t\tc4\n"
	if n, err := db.seed(strings.NewReader(lines), 900, 300); err != nil || n != 4 {
		t.Fatalf("seed = %d, %v", n, err)
	}
	srv := httptest.NewServer((&server{db: db, listBytes: 1000, filterBytes: 800, customerBytes: 1200, resellerBytes: 700}).routes())
	t.Cleanup(srv.Close)

	do := func(method, path, requestID, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer acct")
		if requestID != "" {
			req.Header.Set("MS-RequestId", requestID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	if code, _, body := do("GET", "/v1/customers/c2", "", ""); code != 200 || len(body) != 900 {
		t.Errorf("GET c2 = %d, %d bytes; want 200, 900", code, len(body))
	}
	if code, _, _ := do("GET", "/v1/customers/c4", "", ""); code != 404 {
		t.Errorf("GET another account's customer = %d, want 404", code)
	}
	var list struct{ Items []struct{ ID string } }
	code, _, body := do("GET", "/v1/customers?size=2", "", "")
	if json.Unmarshal([]byte(body), &list); code != 200 || len(body) != 1000 || len(list.Items) != 2 || list.Items[1].ID != "c2" {
		t.Errorf("list = %d, %d bytes, %+v", code, len(body), list)
	}
	filter := url.QueryEscape(`{"Field":"IndirectReseller","Value":"r1","Operator":"starts_with"}`)
	code, _, body = do("GET", "/v1/customers?size=0&filter="+filter, "", "")
	if json.Unmarshal([]byte(body), &list); code != 200 || len(body) != 800 || len(list.Items) != 2 || list.Items[1].ID != "c3" {
		t.Errorf("filter = %d, %d bytes, %+v", code, len(body), list)
	}
	const customer = `{"companyProfile":{"domain":"new.onmicrosoft.com"},"associatedPartnerId":"r1"}`
	code, h, first := do("POST", "/v1/customers", "req-1", customer)
	if code != 201 || len(first) != 1200 || !strings.Contains(first, `"userCredentials"`) || h.Get("X-Mocksandbox-Replayed") != "" {
		t.Errorf("create = %d, %d bytes, replayed %q: %s", code, len(first), h.Get("X-Mocksandbox-Replayed"), first)
	}
	if code, h, again := do("POST", "/v1/customers", "req-1", customer); code != 201 || again != first || h.Get("X-Mocksandbox-Replayed") != "true" {
		t.Errorf("replay = %d, replayed %q, same body %v", code, h.Get("X-Mocksandbox-Replayed"), again == first)
	}
	const reseller = `{"tenant":{"domainPrefix":"contoso1"}}`
	code, h, first = do("POST", "/v1/sandboxIndirectReseller", "req-2", reseller)
	if code != 201 || len(first) != 700 || !strings.Contains(first, `"accountId"`) || h.Get("X-Mocksandbox-Replayed") != "" {
		t.Errorf("create reseller = %d, %d bytes: %s", code, len(first), first)
	}
	if code, h, again := do("POST", "/v1/sandboxIndirectReseller", "req-2", reseller); code != 201 || again != first || h.Get("X-Mocksandbox-Replayed") != "true" {
		t.Errorf("reseller replay = %d, replayed %q, same body %v", code, h.Get("X-Mocksandbox-Replayed"), again == first)
	}
}
