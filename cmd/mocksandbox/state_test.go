package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestStateLoadsBackAsAFixture: GET /_mock/state saved to a file passes
// `fixtures validate` and, loaded with --fixtures, reproduces the state.
func TestStateLoadsBackAsAFixture(t *testing.T) {
	first := startMock(t, "--fixtures", filepath.Join("..", "..", "fixtures", "examples", "two-accounts.json"))
	token := "state-round-trip"
	if r := do(t, first.url, pcRequest{method: http.MethodPost, path: "/v1/sandboxIndirectReseller", token: token, body: resellerBody("stateres")}); r.status != http.StatusCreated {
		t.Fatalf("create reseller: %d %s", r.status, r.body)
	}
	customer := []byte(`{"companyProfile":{"domain":"state.example.com"},"billingProfile":{"email":"a@state.example.com","culture":"en-us","language":"EN","companyName":"State","defaultAddress":{"firstName":"A","lastName":"B","addressLine1":"1 Way","city":"C","postalCode":"1","country":"us"}}}`)
	if r := do(t, first.url, pcRequest{method: http.MethodPost, path: "/v1/customers", token: token, body: customer}); r.status != http.StatusCreated {
		t.Fatalf("create customer: %d %s", r.status, r.body)
	}
	state := do(t, first.url, pcRequest{method: http.MethodGet, path: "/_mock/state"})
	if state.status != http.StatusOK {
		t.Fatalf("GET /_mock/state: %d %s", state.status, state.body)
	}
	file := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(file, state.body, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(mocksandboxBinary(t), "fixtures", "validate", file).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ok")) {
		t.Fatalf("fixtures validate on the state: %v\n%s", err, out)
	}
	second := startMock(t, "--fixtures", file)
	again := do(t, second.url, pcRequest{method: http.MethodGet, path: "/_mock/state"})
	if !bytes.Equal(again.body, state.body) {
		t.Errorf("the reloaded state differs\nfirst:  %s\nsecond: %s", state.body, again.body)
	}
	if ids := listResellerIDs(t, second.url, token); len(ids) != 1 {
		t.Errorf("the auto account's token and reseller did not come back: %v", ids)
	}
}
