package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

// signedInReseller is a reseller created through the API and its admin's
// App+User token from the local Entra.
type signedInReseller struct {
	id, upn, password, token string
}

func signInReseller(t *testing.T, m *mock, token, prefix string) signedInReseller {
	t.Helper()
	r := m.createReseller(token, prefix)
	if r.status != http.StatusCreated {
		t.Fatalf("create reseller: %d %s", r.status, r.body)
	}
	tenant := r.json()["tenant"].(map[string]any)
	sr := signedInReseller{id: tenant["id"].(string), upn: tenant["adminUserAccount"].(string), password: tenant["password"].(string)}
	got := m.postForm("/"+sr.id+"/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {"any-public-client"},
		"username": {sr.upn}, "password": {sr.password}, "resource": {"https://api.partnercenter.microsoft.com"}}, nil)
	if got.status != http.StatusOK {
		t.Fatalf("reseller sign-in: %d %s", got.status, got.body)
	}
	sr.token = got.json()["access_token"].(string)
	return sr
}

func TestTheResellerSeesOnlyItsOwnCustomers(t *testing.T) {
	m := newMock(t, strict)
	res := signInReseller(t, m, defaultToken, "viewer")
	c := jwtClaims(t, res.token)
	if c["tid"] != res.id || c["upn"] != "admin@viewer.onmicrosoft.com" || c["scp"] != "user_impersonation" || c["appid"] != "any-public-client" {
		t.Errorf("reseller token claims %v", c)
	}
	mine := []string{m.mustCreateCustomer(defaultToken, "viewer1.example.com", res.id), m.mustCreateCustomer(defaultToken, "viewer2.example.com", res.id)}
	direct := m.mustCreateCustomer(defaultToken, "direct.example.com", "")
	other := m.mustCreateReseller(defaultToken, "otherres")
	theirs := m.mustCreateCustomer(defaultToken, "theirs.example.com", other)

	if got := m.customerIDs(res.token, "", nil); strings.Join(got, ",") != strings.Join(mine, ",") {
		t.Errorf("the reseller lists %v, want %v", got, mine)
	}
	if got := m.customerIDs(res.token, "?size=1", nil); strings.Join(got, ",") != strings.Join(mine, ",") {
		t.Errorf("paged: %v", got)
	}
	// Filters narrow within its own customers only.
	if got := m.customerIDs(res.token, "?filter="+url.QueryEscape(`{"Field":"Domain","Value":"theirs","Operator":"starts_with"}`), nil); len(got) != 0 {
		t.Errorf("a filter reached another reseller's customer: %v", got)
	}
	for _, id := range []string{direct, theirs} {
		for _, suffix := range []string{"", "/profiles/company", "/profiles/billing", "/relationships", "/subscriptions"} {
			wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + id + suffix, token: res.token}), 404, 60003)
		}
	}
	for _, suffix := range []string{"", "/profiles/company", "/profiles/billing", "/relationships", "/subscriptions"} {
		if r := m.do(call{method: "GET", path: "/v1/customers/" + mine[0] + suffix, token: res.token}); r.status != 200 {
			t.Errorf("GET its customer%s: %d %s", suffix, r.status, r.body)
		}
	}
	// A provider's continuation token is not the reseller's.
	page := m.do(call{method: "GET", path: "/v1/customers?size=1", token: defaultToken}).json()
	wantError(t, m.do(call{method: "GET", path: "/v1/customers?size=1&seekOperation=Next", token: res.token,
		headers: map[string]string{"MS-ContinuationToken": page["continuationToken"].(string)}}), 400, 800002)

	for _, rt := range []string{"IsIndirectResellerOf", "is_indirect_reseller_of", ""} {
		r := m.do(call{method: "GET", path: "/v1/relationships?relationship_type=" + rt, token: res.token})
		items := r.json()["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("relationships %q: %s", rt, r.body)
		}
		p := items[0].(map[string]any)
		for k, v := range map[string]any{"id": defaultAcct, "name": "Contoso Sandbox", "relationshipType": "is_indirect_reseller_of", "state": "Active", "mpnId": "1234567", "location": "US"} {
			if p[k] != v {
				t.Errorf("provider relationship %s = %v, want %v", k, p[k], v)
			}
		}
	}
	if ids := m.resellerIDs(res.token, "IsIndirectCloudSolutionProviderOf"); len(ids) != 0 {
		t.Errorf("a reseller has resellers: %v", ids)
	}
	org := m.do(call{method: "GET", path: "/v1/profiles/organization", token: res.token}).json()
	if org["id"] != res.id || org["tenantId"] != res.id || org["domain"] != "viewer.onmicrosoft.com" || org["companyName"] != "TipIRIntTest705" ||
		org["email"] != "Sandbox.Scenario@test.com" || org["culture"] != "en-US" || org["language"] != "en" ||
		org["defaultAddress"].(map[string]any)["country"] != "FR" {
		t.Errorf("the reseller's organization profile: %v", org)
	}
}

func TestEveryWriteByAResellerIsRefused(t *testing.T) {
	m := newMock(t)
	res := signInReseller(t, m, defaultToken, "writer")
	customer := m.mustCreateCustomer(defaultToken, "writer1.example.com", res.id)
	b := buyer{m: m, token: defaultToken, customer: customer, resellerID: res.id}
	sub := b.mustOrder(intuneDevice, 1)
	before := m.control("GET", "/_mock/state", "").body
	for _, c := range []call{
		{method: "POST", path: "/v1/customers", body: javaCustomerBody("byreseller.example.com", res.id)},
		{method: "POST", path: "/v1/customers/" + customer + "/orders", body: orderBody(intuneDevice, 1, "")},
		{method: "PATCH", path: "/v1/customers/" + customer + "/subscriptions/" + sub, body: []byte(`{"status":"suspended"}`)},
		{method: "POST", path: "/v1/sandboxIndirectReseller", body: resellerBody(t, "byreseller")},
		{method: "DELETE", path: "/v1/customers/" + customer},
		{method: "POST", path: "/v1/customers/" + customer + "/carts", body: []byte(`{}`)},
		{method: "GET", path: "/v1/customers/" + customer + "/orders"},
		{method: "HEAD", path: "/v1/domains/writer1.example.com"},
		{method: "GET", path: "/v1/offers?country=US"},
	} {
		c.token = res.token
		r := m.do(c)
		if c.method == "HEAD" {
			if r.status != 403 {
				t.Errorf("HEAD by a reseller: %d", r.status)
			}
			continue
		}
		wantError(t, r, 403, 600006, "indirect provider creates customers")
	}
	if after := m.control("GET", "/_mock/state", "").body; string(after) != string(before) {
		t.Error("a refused reseller write changed the state")
	}
}

func TestResellerSignInFailuresAndRevocation(t *testing.T) {
	m := newMock(t)
	res := signInReseller(t, m, defaultToken, "revoked")
	wrong := m.postForm("/revoked.onmicrosoft.com/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {"x"},
		"username": {res.upn}, "password": {"wrong"}, "scope": {"https://api.partnercenter.microsoft.com/.default"}}, nil)
	wantEntraError(t, wrong, 400, "invalid_grant", 50126)
	// By domain on v2 and by common, with a refresh that works too.
	v2 := m.postForm("/common/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {"x"}, "client_secret": {"ignored"},
		"username": {strings.ToUpper(res.upn)}, "password": {res.password}}, nil)
	if v2.status != 200 {
		t.Fatalf("common sign-in: %d %s", v2.status, v2.body)
	}
	refreshed := m.postForm("/common/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {v2.json()["refresh_token"].(string)}}, nil)
	if refreshed.status != 200 || jwtClaims(t, refreshed.json()["access_token"].(string))["tid"] != res.id {
		t.Fatalf("reseller refresh: %d %s", refreshed.status, refreshed.body)
	}
	if r := m.do(call{method: "GET", path: "/v1/customers", token: res.token}); r.status != 200 {
		t.Fatalf("before deletion: %d", r.status)
	}
	if r := m.deleteReseller(defaultToken, res.id); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: res.token}), 401, 800001)
	wantEntraError(t, m.postForm("/common/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {v2.json()["refresh_token"].(string)}}, nil), 400, "invalid_grant", 50173)
	wantEntraError(t, m.postForm("/common/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {"x"}, "username": {res.upn}, "password": {res.password}}, nil), 400, "invalid_grant", 50126)
}

func TestAFixtureResellersStaticTokenBehavesTheSame(t *testing.T) {
	const resellerID = "5eeded00-0000-4000-8000-0000000000e1"
	m := newMock(t, strict, seedReseller(resellerID, "fixtureres"), func(c *server.Config) {
		c.Seed.Accounts[0].Tokens = append(c.Seed.Accounts[0].Tokens, store.Token{Token: "fixture-reseller-token", ResellerID: resellerID})
	})
	mine := m.mustCreateCustomer(defaultToken, "fixtureres1.example.com", resellerID)
	m.mustCreateCustomer(defaultToken, "fixturedirect.example.com", "")
	if got := m.customerIDs("fixture-reseller-token", "", nil); len(got) != 1 || got[0] != mine {
		t.Errorf("the fixture reseller lists %v", got)
	}
	wantError(t, m.createCustomer("fixture-reseller-token", javaCustomerBody("x.example.com", "")), 403, 600006)
	// After deletion its static token is refused, even in permissive mode it never becomes an account.
	m.do(call{method: "DELETE", path: "/v1/customers/" + mine, token: defaultToken})
	if r := m.deleteReseller(defaultToken, resellerID); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: "fixture-reseller-token"}), 401, 800001, "reseller")
	// A reset brings the fixture reseller and its token back.
	m.control("POST", "/_mock/reset", "")
	if r := m.do(call{method: "GET", path: "/v1/profiles/organization", token: "fixture-reseller-token"}); r.status != 200 || r.json()["id"] != resellerID {
		t.Errorf("after reset: %d %s", r.status, r.body)
	}
	_ = uuid.NewString
}
