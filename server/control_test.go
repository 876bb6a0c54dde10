package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
)

func (m *mock) control(method, path string, body string) reply {
	m.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return m.do(call{method: method, path: path, body: b})
}

func TestResetGoesBackToTheSeed(t *testing.T) {
	m := newMock(t)
	m.mustCreateReseller(defaultToken, "resetme")
	m.mustCreateCustomer(defaultToken, "resetme.example.com", "")
	m.mustCreateReseller("reset-auto", "resetauto")
	before := m.do(call{method: "GET", path: "/v1/profiles/organization", token: "reset-auto"}).json()["id"]
	if r := m.control("POST", "/_mock/reset", ""); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 0 {
		t.Errorf("resellers after reset: %v", ids)
	}
	if ids := m.customerIDs(defaultToken, "", nil); len(ids) != 0 {
		t.Errorf("customers after reset: %v", ids)
	}
	// The seed is back (its token works, its domain is taken); the auto account starts empty.
	if r := m.do(call{method: "HEAD", path: "/v1/domains/contososandbox.onmicrosoft.com", token: defaultToken}); r.status != 200 {
		t.Errorf("seed domain after reset: %d", r.status)
	}
	if ids := m.resellerIDs("reset-auto", ""); len(ids) != 0 {
		t.Errorf("the auto account kept resellers: %v", ids)
	}
	if after := m.do(call{method: "GET", path: "/v1/profiles/organization", token: "reset-auto"}).json()["id"]; after != before {
		t.Errorf("auto account id changed across reset: %v → %v", before, after)
	}
	// The domains of deleted state are free again.
	if r := m.do(call{method: "HEAD", path: "/v1/domains/resetme.onmicrosoft.com", token: defaultToken}); r.status != 404 {
		t.Errorf("a reset reseller's domain: %d", r.status)
	}
}

func TestResetOfOneAccountLeavesTheOthersAlone(t *testing.T) {
	m := newMock(t)
	m.mustCreateReseller(defaultToken, "acctreset")
	other := m.mustCreateReseller("untouched", "untouched")
	if r := m.control("POST", "/_mock/reset?account="+defaultAcct, ""); r.status != http.StatusNoContent {
		t.Fatalf("reset account: %d %s", r.status, r.body)
	}
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 0 {
		t.Errorf("reset account kept %v", ids)
	}
	if ids := m.resellerIDs("untouched", ""); len(ids) != 1 || ids[0] != other {
		t.Errorf("the other account lost its reseller: %v", ids)
	}
	wantError(t, m.control("POST", "/_mock/reset?account="+uuid.NewString(), ""), http.StatusNotFound, 1000, "account")
}

func TestAPerAccountResetThatWouldClashChangesNothing(t *testing.T) {
	const seeded = "5eeded00-0000-4000-8000-000000000001"
	m := newMock(t, seedReseller(seeded, "seededres"))
	if r := m.deleteReseller(defaultToken, seeded); r.status != http.StatusNoContent {
		t.Fatalf("delete the seeded reseller: %d %s", r.status, r.body)
	}
	m.mustCreateReseller("clasher", "SeededRes") // another account takes the freed domain
	clasher := m.do(call{method: "GET", path: "/v1/profiles/organization", token: "clasher"}).json()["id"].(string)
	r := m.control("POST", "/_mock/reset?account="+defaultAcct, "")
	wantError(t, r, http.StatusConflict, 1003, "seededres.onmicrosoft.com", clasher)
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 0 {
		t.Errorf("a refused reset re-created %v", ids)
	}
	// A full reset has no such conflict: everything goes back to the seed.
	if r := m.control("POST", "/_mock/reset", ""); r.status != http.StatusNoContent {
		t.Fatalf("full reset: %d %s", r.status, r.body)
	}
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 1 || ids[0] != seeded {
		t.Errorf("after a full reset: %v", ids)
	}
}

func TestSnapshotsSaveAndRestore(t *testing.T) {
	m := newMock(t)
	kept := m.mustCreateReseller(defaultToken, "snapkept")
	r := m.control("POST", "/_mock/snapshots/before-more", "")
	if r.status != http.StatusCreated || r.json()["name"] != "before-more" {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	m.mustCreateReseller(defaultToken, "snaplater")
	m.mustCreateCustomer(defaultToken, "snaplater.example.com", "")
	if r := m.control("POST", "/_mock/snapshots/before-more/restore", ""); r.status != http.StatusNoContent {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 1 || ids[0] != kept {
		t.Errorf("after restore: %v, want [%s]", ids, kept)
	}
	if ids := m.customerIDs(defaultToken, "", nil); len(ids) != 0 {
		t.Errorf("customers after restore: %v", ids)
	}
	list := m.control("GET", "/_mock/snapshots", "").json()["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "before-more" {
		t.Errorf("snapshots: %v", list)
	}
	wantError(t, m.control("POST", "/_mock/snapshots/nope/restore", ""), http.StatusNotFound, 1000, "nope")
	wantError(t, m.control("POST", "/_mock/snapshots/bad.name", ""), http.StatusBadRequest, 800002, "snapshot names")
}

func TestTheJournalFindsRequestsAndKeepsNoSecrets(t *testing.T) {
	m := newMock(t, journalSize(5))
	corr := uuid.NewString()
	rid := uuid.NewString()
	m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "journaled"),
		headers: map[string]string{"MS-CorrelationId": corr, "MS-RequestId": rid}})
	m.postForm("/"+defaultAcct+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey}}, nil)
	for _, q := range []string{"correlationId=" + corr, "requestId=" + rid} {
		r := m.control("GET", "/_mock/requests?"+q, "")
		items := r.json()["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("%s: %d entries", q, len(items))
		}
		e := items[0].(map[string]any)
		if e["status"] != float64(201) || e["account"] != defaultAcct || e["path"] != "/v1/sandboxIndirectReseller" || e["replayed"] != false {
			t.Errorf("entry %v", e)
		}
	}
	all := m.control("GET", "/_mock/requests", "")
	if bytes.Contains(all.body, []byte(defaultToken)) || bytes.Contains(all.body, []byte(defaultKey)) {
		t.Error("the journal holds the bearer token or the client secret")
	}
	// The reseller's generated password, the client secret and the access token are masked.
	if !bytes.Contains(all.body, []byte(`\"password\":\"***\"`)) || !bytes.Contains(all.body, []byte("client_secret=%2A%2A%2A")) ||
		!bytes.Contains(all.body, []byte(`\"access_token\":\"***\"`)) {
		t.Errorf("secrets not redacted as ***: %s", all.body)
	}
	// Newest first, filters by path and status class, bounded by --journal-size.
	for i := range 7 {
		m.do(call{method: "GET", path: fmt.Sprintf("/v1/customers?size=%d", i+1), token: defaultToken})
	}
	items := m.control("GET", "/_mock/requests", "").json()["items"].([]any)
	if len(items) != 5 || items[0].(map[string]any)["query"] != "size=7" {
		t.Errorf("journal of size 5 holds %d, newest %v", len(items), items[0])
	}
	if got := m.control("GET", "/_mock/requests?path=/v1/cust&status=2xx", "").json()["totalCount"]; got != float64(5) {
		t.Errorf("path+status filter: %v", got)
	}
	wantError(t, m.control("GET", "/_mock/requests?status=abc", ""), http.StatusBadRequest, 800002, "status")
	m.control("DELETE", "/_mock/requests", "")
	if got := m.control("GET", "/_mock/requests", "").json()["totalCount"]; got != float64(0) {
		t.Errorf("after DELETE: %v entries", got)
	}
}

func TestA429RuleFiresItsTimesWithRetryAfterThenStops(t *testing.T) {
	m := newMock(t)
	r := m.control("POST", "/_mock/faults", `{"method":"GET","path":"/v1/customers","status":429,"times":2}`)
	if r.status != http.StatusCreated || r.json()["id"] == "" || r.json()["action"] != "status" {
		t.Fatalf("add fault: %d %s", r.status, r.body)
	}
	for i := range 2 {
		got := m.do(call{method: "GET", path: "/v1/customers", token: defaultToken})
		if got.status != 429 || got.header.Get("Retry-After") != "1" ||
			string(got.body) != `{"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."}` {
			t.Fatalf("firing %d: %d %q %s", i+1, got.status, got.header.Get("Retry-After"), got.body)
		}
	}
	if got := m.do(call{method: "GET", path: "/v1/customers", token: defaultToken}); got.status != 200 {
		t.Errorf("after two firings: %d", got.status)
	}
	faulted := m.control("GET", "/_mock/requests?status=429", "").json()["items"].([]any)
	if len(faulted) != 2 || faulted[0].(map[string]any)["fault"] != "status 429" {
		t.Errorf("firings in the journal: %v", faulted)
	}
}

func TestFaultRulesMatchByGlobAndAccountAndAnswerWithTheirCode(t *testing.T) {
	m := newMock(t)
	m.control("POST", "/_mock/faults", `{"path":"/v1/customers/*","account":"`+defaultAcct+`","status":503,"code":123}`)
	// Another account and another path are not matched.
	if r := m.do(call{method: "GET", path: "/v1/customers/" + uuid.NewString(), token: "fault-other"}); r.status != 404 {
		t.Errorf("another account: %d", r.status)
	}
	if r := m.do(call{method: "GET", path: "/v1/customers", token: defaultToken}); r.status != 200 {
		t.Errorf("another path: %d", r.status)
	}
	wantError(t, m.do(call{method: "GET", path: "/V1/Customers/" + uuid.NewString(), token: defaultToken}), 503, 123, "Injected fault")
	for _, bad := range []string{`{"status":429,"times":4}`, `{"status":200}`, `{"action":"explode"}`, `{"action":"delay"}`, `{"status":"500"}`, `[]`} {
		wantError(t, m.control("POST", "/_mock/faults", bad), http.StatusBadRequest, 800002)
	}
	id := m.control("POST", "/_mock/faults", `{"status":500}`).json()["id"].(string)
	if r := m.control("DELETE", "/_mock/faults/"+id, ""); r.status != http.StatusNoContent {
		t.Errorf("delete rule: %d", r.status)
	}
	wantError(t, m.control("DELETE", "/_mock/faults/"+id, ""), http.StatusNotFound, 1000)
	m.control("POST", "/_mock/faults", `{"status":500}`)
	m.control("POST", "/_mock/reset", "") // reset clears the rules
	if rules := m.control("GET", "/_mock/faults", "").json()["items"].([]any); len(rules) != 0 {
		t.Errorf("rules after reset: %v", rules)
	}
}

func TestADelayRuleDelaysAndThenServes(t *testing.T) {
	m := newMock(t)
	m.control("POST", "/_mock/faults", `{"action":"delay","delay":150,"path":"/v1/profiles/organization"}`)
	start := time.Now()
	r := m.do(call{method: "GET", path: "/v1/profiles/organization", token: defaultToken})
	if r.status != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("delayed request: %d after %s", r.status, time.Since(start))
	}
}

func TestDropAfterCommitLosesTheAnswerButNotTheEffect(t *testing.T) {
	m := newMock(t)
	m.control("POST", "/_mock/faults", `{"method":"POST","path":"/v1/sandboxIndirectReseller","action":"drop-after-commit"}`)
	body := resellerBody(t, "dropped")
	rid := uuid.NewString()
	req, _ := http.NewRequest("POST", m.URL+"/v1/sandboxIndirectReseller", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+defaultToken)
	req.Header.Set("MS-RequestId", rid)
	req.Header.Set("MS-CorrelationId", uuid.NewString())
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the client got an answer: %d", resp.StatusCode)
	}
	retry := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: body, headers: map[string]string{"MS-RequestId": rid}})
	if retry.status != http.StatusCreated || retry.header.Get("X-Mocksandbox-Replayed") != "true" {
		t.Fatalf("retry: %d replayed=%q %s", retry.status, retry.header.Get("X-Mocksandbox-Replayed"), retry.body)
	}
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 1 || ids[0] != retry.json()["accountId"] {
		t.Errorf("resellers %v after a dropped create and its retry", ids)
	}
	entries := m.control("GET", "/_mock/requests?requestId="+rid, "").json()["items"].([]any)
	if len(entries) != 2 || entries[1].(map[string]any)["fault"] != "drop-after-commit" || entries[1].(map[string]any)["status"] != float64(201) {
		t.Errorf("journal: %v", entries)
	}
}

func TestALimitsOverrideAppliesToTheNextCreate(t *testing.T) {
	m := newMock(t)
	r := m.do(call{method: "PUT", path: "/_mock/accounts/" + defaultAcct + "/limits", body: []byte(`{"resellers":2,"customers":null}`)})
	if r.status != 200 || string(r.body) != `{"resellers":2,"customers":null,"subscriptionsPerCustomer":5,"licensesPerSubscription":25}` {
		t.Fatalf("put limits: %d %s", r.status, r.body)
	}
	m.mustCreateReseller(defaultToken, "limited1")
	m.mustCreateReseller(defaultToken, "limited2")
	wantError(t, m.createReseller(defaultToken, "limited3"), http.StatusForbidden, 6004, "2")
	if got := m.control("GET", "/_mock/accounts/"+defaultAcct+"/limits", "").json()["resellers"]; got != float64(2) {
		t.Errorf("get limits: %v", got)
	}
	for _, bad := range []string{`{"resellers":-1}`, `{"resellers":10001}`, `{"resellers":"5"}`, `{"widgets":1}`, `{"resellers":1.5}`} {
		wantError(t, m.do(call{method: "PUT", path: "/_mock/accounts/" + defaultAcct + "/limits", body: []byte(bad)}), http.StatusBadRequest, 800002)
	}
	wantError(t, m.control("GET", "/_mock/accounts/"+uuid.NewString()+"/limits", ""), http.StatusNotFound, 1000)
}

func TestTheAdminTokenGuardsTheControlRoutes(t *testing.T) {
	m := newMock(t, adminToken("s3cret"))
	for _, c := range []call{{method: "POST", path: "/_mock/reset"}, {method: "GET", path: "/_mock/requests"}, {method: "GET", path: "/_mock/faults"},
		{method: "GET", path: "/_mock/requests", token: "wrong"}} {
		r := m.do(c)
		wantError(t, r, http.StatusUnauthorized, 800001, "--admin-token")
		if r.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s %s: no WWW-Authenticate", c.method, c.path)
		}
	}
	if r := m.do(call{method: "POST", path: "/_mock/reset", token: "s3cret"}); r.status != http.StatusNoContent {
		t.Errorf("with the admin token: %d %s", r.status, r.body)
	}
	for _, p := range []string{"/_mock/health", "/_mock/ready"} {
		if r := m.do(call{method: "GET", path: p}); r.status != 200 {
			t.Errorf("%s without a token: %d", p, r.status)
		}
	}
}
