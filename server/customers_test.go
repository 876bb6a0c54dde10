package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// javaCustomerBody is the Java SDK's create body (CLIENT-WIRE.md).
func javaCustomerBody(domain, resellerID string) []byte {
	return []byte(`{"attributes":{"objectType":"Customer"},"companyProfile":{"attributes":{"objectType":"CustomerCompanyProfile"},"domain":"` + domain +
		`"},"billingProfile":{"attributes":{"objectType":"CustomerBillingProfile"},"language":"en","email":"admin@contoso.com","culture":"en-US","companyName":"Contoso ` + domain +
		`","defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"1 Microsoft Way","postalCode":"98052","firstName":"Ada","lastName":"Lovelace","phoneNumber":"4255550100"}},"associatedPartnerId":"` + resellerID + `"}`)
}

// dotnetCustomerBody is the .NET SDK's create body for an IR (CLIENT-WIRE.md).
func dotnetCustomerBody(domain, resellerID string) []byte {
	return []byte(`{"Id":null,"CommerceId":null,"CompanyProfile":{"TenantId":null,"Domain":"` + domain + `","CompanyName":null,"Attributes":{"ObjectType":"CustomerCompanyProfile"}},"BillingProfile":{"Id":null,"FirstName":null,"LastName":null,"Email":"Gena@wingtiptoys.com","Culture":"EN-US","Language":"En","CompanyName":"Wingtip Toys678152504","DefaultAddress":{"Country":"US","Region":null,"City":"Redmond","State":"WA","AddressLine1":"One Microsoft Way","AddressLine2":null,"PostalCode":"98052","FirstName":"Gena","LastName":"Soto","PhoneNumber":"4255550101"},"Attributes":{"ObjectType":"CustomerBillingProfile"}},"RelationshipToPartner":"none","AllowDelegatedAccess":null,"UserCredentials":null,"CustomDomains":null,"AssociatedPartnerId":"` + resellerID + `","Attributes":{"ObjectType":"Customer"}}`)
}

// documentedCustomerBody is the "Create a customer" REST example (its
// trailing commas removed: they are not JSON).
func documentedCustomerBody(domain string) []byte {
	return []byte(`{"enableGDAPByDefault": false, "CompanyProfile": {"Domain": "` + domain + `"},
		"BillingProfile": {"Culture": "EN-US", "Email": "test@outlook.com", "Language": "en", "CompanyName": "test company",
		"DefaultAddress": {"FirstName": "Test", "LastName": "Test", "AddressLine1": "One Microsoft Way", "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US"}}}`)
}

func (m *mock) createCustomer(token string, body []byte) reply {
	m.t.Helper()
	return m.do(call{method: "POST", path: "/v1/customers", token: token, body: body})
}

func (m *mock) mustCreateCustomer(token, domain, resellerID string) string {
	m.t.Helper()
	r := m.createCustomer(token, javaCustomerBody(domain, resellerID))
	if r.status != http.StatusCreated {
		m.t.Fatalf("create customer %s: %d %s", domain, r.status, r.body)
	}
	return r.json()["id"].(string)
}

// customerIDs follows every page of a listing (links.next, as the Java SDK
// does through /v1//customers) and returns the ids in order.
func (m *mock) customerIDs(token, query string, between func(page int)) []string {
	m.t.Helper()
	var ids []string
	path := "/v1/customers" + query
	headers := map[string]string{}
	for page := 0; ; page++ {
		r := m.do(call{method: "GET", path: path, token: token, headers: headers})
		if r.status != http.StatusOK {
			m.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		body := r.json()
		items := body["items"].([]any)
		if body["totalCount"] != float64(len(items)) {
			m.t.Errorf("totalCount %v for %d items", body["totalCount"], len(items))
		}
		for _, it := range items {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		next, ok := body["links"].(map[string]any)["next"].(map[string]any)
		if !ok {
			if _, has := body["continuationToken"]; has {
				m.t.Error("continuationToken without links.next")
			}
			return ids
		}
		uri := next["uri"].(string)
		if strings.HasPrefix(uri, "/v1") {
			m.t.Fatalf("links.next.uri %q carries /v1", uri)
		}
		header := next["headers"].([]any)[0].(map[string]any)
		if header["key"] != "MS-ContinuationToken" || header["value"] != body["continuationToken"] {
			m.t.Fatalf("links.next.headers = %v", next["headers"])
		}
		path = "/v1/" + uri // "/v1//customers?...", as Java and PowerShell build it
		headers = map[string]string{"MS-ContinuationToken": header["value"].(string)}
		if between != nil {
			between(page)
		}
	}
}

func TestCreateCustomerAnswersTheDocumentedCustomer(t *testing.T) {
	m := newMock(t)
	rid := map[string]string{"MS-RequestId": uuid.NewString()}
	r := m.do(call{method: "POST", path: "/v1/customers", token: defaultToken, body: documentedCustomerBody("xyz.ccsctp.net"), headers: rid})
	if r.status != http.StatusCreated {
		t.Fatalf("%d %s", r.status, r.body)
	}
	got := orderedKeys(t, jsonDecoder(r.body), "")
	want := []string{".id", ".commerceId", ".companyProfile", ".companyProfile.tenantId", ".companyProfile.domain",
		".companyProfile.companyName", ".companyProfile.links", ".companyProfile.links.self", ".companyProfile.links.self.uri",
		".companyProfile.links.self.method", ".companyProfile.links.self.headers", ".companyProfile.attributes",
		".companyProfile.attributes.objectType", ".billingProfile", ".billingProfile.id", ".billingProfile.email",
		".billingProfile.culture", ".billingProfile.language", ".billingProfile.companyName", ".billingProfile.defaultAddress",
		".billingProfile.defaultAddress.country", ".billingProfile.defaultAddress.city", ".billingProfile.defaultAddress.state",
		".billingProfile.defaultAddress.addressLine1", ".billingProfile.defaultAddress.postalCode",
		".billingProfile.defaultAddress.firstName", ".billingProfile.defaultAddress.lastName", ".billingProfile.attributes",
		".billingProfile.attributes.etag", ".billingProfile.attributes.objectType", ".relationshipToPartner",
		".allowDelegatedAccess", ".userCredentials", ".userCredentials.userName", ".userCredentials.password", ".links",
		".links.self", ".links.self.uri", ".links.self.method", ".links.self.headers", ".attributes", ".attributes.objectType"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fields\n got %v\nwant %v", got, want)
	}
	c := r.json()
	id := c["id"].(string)
	company := c["companyProfile"].(map[string]any)
	billing := c["billingProfile"].(map[string]any)
	creds := c["userCredentials"].(map[string]any)
	for name, pair := range map[string][2]any{
		"companyProfile.tenantId":    {company["tenantId"], id},
		"companyProfile.domain":      {company["domain"], "xyz.ccsctp.net"},
		"companyProfile.companyName": {company["companyName"], "test company"},
		"billingProfile.culture":     {billing["culture"], "en-US"},
		"billingProfile.language":    {billing["language"], "en"},
		"billingProfile.email":       {billing["email"], "test@outlook.com"},
		"relationshipToPartner":      {c["relationshipToPartner"], "reseller"},
		"allowDelegatedAccess":       {c["allowDelegatedAccess"], true},
		"userCredentials.userName":   {creds["userName"], "admin"},
		"links.self.uri":             {c["links"].(map[string]any)["self"].(map[string]any)["uri"], "/customers/" + id},
		"attributes.objectType":      {c["attributes"].(map[string]any)["objectType"], "Customer"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	if _, err := uuid.Parse(c["commerceId"].(string)); err != nil || c["commerceId"] == id {
		t.Errorf("commerceId = %v", c["commerceId"])
	}
	if _, ok := c["associatedPartnerId"]; ok {
		t.Error("a direct customer reports an associatedPartnerId")
	}
	password := creds["password"].(string)

	// The replay shows the password again; GET never does.
	replay := m.do(call{method: "POST", path: "/v1/customers", token: defaultToken, body: documentedCustomerBody("xyz.ccsctp.net"), headers: rid})
	if !bytes.Equal(replay.body, r.body) || replay.header.Get("X-Mocksandbox-Replayed") != "true" {
		t.Errorf("replay differs: %d %s", replay.status, replay.body)
	}
	g := m.do(call{method: "GET", path: "/v1/Customers/" + strings.ToUpper(id), token: defaultToken})
	if g.status != http.StatusOK || bytes.Contains(g.body, []byte(password)) || bytes.Contains(g.body, []byte("userCredentials")) {
		t.Fatalf("GET: %d %s", g.status, g.body)
	}
	delete(c, "userCredentials")
	if fmt.Sprint(g.json()) != fmt.Sprint(c) {
		t.Errorf("GET differs from the created customer\n got %v\nwant %v", g.json(), c)
	}
	if ids := m.customerIDs(defaultToken, "", nil); len(ids) != 1 {
		t.Errorf("%d customers after a create and its replay", len(ids))
	}
	for _, p := range []struct{ path, objectType string }{
		{"/profiles/company", "CustomerCompanyProfile"}, {"/profiles/billing", "CustomerBillingProfile"},
	} {
		pr := m.do(call{method: "GET", path: "/v1/customers/" + id + p.path, token: defaultToken})
		if pr.status != 200 || pr.json()["attributes"].(map[string]any)["objectType"] != p.objectType {
			t.Errorf("GET %s: %d %s", p.path, pr.status, pr.body)
		}
	}
}

func TestEverySDKsCustomerBodyIsAccepted(t *testing.T) {
	m := newMock(t)
	reseller := m.mustCreateReseller(defaultToken, "sdkreseller")
	cases := []struct {
		name    string
		body    []byte
		headers map[string]string
	}{
		{"Java", javaCustomerBody("java.onmicrosoft.com", reseller), nil},
		{".NET", dotnetCustomerBody("WingtipToys678152504.onmicrosoft.com", strings.ToUpper(reseller)), nil},
		{"community Node without MS-* headers", []byte(`{"CompanyProfile":{"Domain":"node.onmicrosoft.com"},"BillingProfile":{"Email":"n@node.com","Culture":"en-us","Language":"EN","CompanyName":"Node","DefaultAddress":{"FirstName":"N","LastName":"O","AddressLine1":"1 St","City":"C","PostalCode":"1","Country":"gb"}},"AssociatedPartnerId":"` + reseller + `"}`),
			map[string]string{"MS-RequestId": "", "MS-CorrelationId": "", "x-ms-client-request-id": "", "MS-PartnerCenter-Client": "", "MS-Contract-Version": "", "MS-SdkVersion": "", "X-Locale": ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := m.do(call{method: "POST", path: "/v1/customers", token: defaultToken, body: c.body, headers: c.headers})
			if r.status != http.StatusCreated {
				t.Fatalf("%d %s", r.status, r.body)
			}
			b := r.json()
			if b["associatedPartnerId"] != reseller || b["relationshipToPartner"] != "reseller" {
				t.Errorf("associatedPartnerId %v, relationshipToPartner %v", b["associatedPartnerId"], b["relationshipToPartner"])
			}
			if _, err := uuid.Parse(r.header.Get("MS-RequestId")); err != nil {
				t.Errorf("MS-RequestId = %q", r.header.Get("MS-RequestId"))
			}
		})
	}
	rel := m.do(call{method: "GET", path: "/v1/customers/" + m.customerIDs(defaultToken, "", nil)[0] + "/relationships", token: defaultToken})
	items := rel.json()["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("customer relationships: %s", rel.body)
	}
	item := items[0].(map[string]any)
	if item["id"] != reseller || item["relationshipType"] != "is_indirect_cloud_solution_provider_of" || item["mpnId"] != "6363276" || item["name"] != "TipIRIntTest705" {
		t.Errorf("customer relationship %v", item)
	}
	if _, has := item["state"]; has {
		t.Errorf("a customer relationship carries state: %v", item)
	}
	direct := m.mustCreateCustomer(defaultToken, "direct.onmicrosoft.com", "")
	if items := m.do(call{method: "GET", path: "/v1/customers/" + direct + "/relationships", token: defaultToken}).json()["items"].([]any); len(items) != 0 {
		t.Errorf("direct customer relationships: %v", items)
	}
}

func TestCreateCustomerRefusesBadInputNamingTheField(t *testing.T) {
	m := newMock(t)
	valid := string(javaCustomerBody("ok.onmicrosoft.com", ""))
	cases := []struct{ name, body, field string }{
		{"missing companyProfile", `{"billingProfile":{}}`, "$.companyProfile"},
		{"missing domain", strings.Replace(valid, `"domain":"ok.onmicrosoft.com"`, `"x":1`, 1), "$.companyProfile.domain"},
		{"one-label domain", strings.Replace(valid, "ok.onmicrosoft.com", "localhost", 1), "$.companyProfile.domain"},
		{"label starting with a dash", strings.Replace(valid, "ok.onmicrosoft.com", "-ok.onmicrosoft.com", 1), "$.companyProfile.domain"},
		{"missing email", strings.Replace(valid, `"email":"admin@contoso.com",`, ``, 1), "$.billingProfile.email"},
		{"email without @", strings.Replace(valid, `admin@contoso.com`, `admin`, 1), "$.billingProfile.email"},
		{"culture not a culture", strings.Replace(valid, `"culture":"en-US"`, `"culture":"english!"`, 1), "$.billingProfile.culture"},
		{"missing companyName", strings.Replace(valid, `"companyName":"Contoso ok.onmicrosoft.com",`, ``, 1), "$.billingProfile.companyName"},
		{"missing defaultAddress.city", strings.Replace(valid, `"city":"Redmond",`, ``, 1), "$.billingProfile.defaultAddress.city"},
		{"country of three letters", strings.Replace(valid, `"country":"US"`, `"country":"USA"`, 1), "$.billingProfile.defaultAddress.country"},
		{"numeric phone number", strings.Replace(valid, `"phoneNumber":"4255550100"`, `"phoneNumber":4255550100`, 1), "$.billingProfile.defaultAddress.phoneNumber"},
		{"associatedPartnerId not a string", strings.Replace(valid, `"associatedPartnerId":""`, `"associatedPartnerId":5`, 1), "$.associatedPartnerId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, m.createCustomer(defaultToken, []byte(c.body)), http.StatusBadRequest, 800002, c.field)
		})
	}
	if ids := m.customerIDs(defaultToken, "", nil); len(ids) != 0 {
		t.Errorf("bad input created %d customers", len(ids))
	}
}

func TestTheSeventySixthCustomerIsRefusedAndConcurrencyNeverExceedsTheLimit(t *testing.T) {
	m := newMock(t)
	reseller := m.mustCreateReseller("limit-account", "limitreseller")
	const n = 100
	statuses := make([]int, n)
	concurrently(n, func(i int) {
		resellerID := ""
		if i%2 == 0 {
			resellerID = reseller // direct and reseller customers count together
		}
		r := m.createCustomer("limit-account", javaCustomerBody(fmt.Sprintf("limit%d.onmicrosoft.com", i), resellerID))
		statuses[i] = r.status
		if r.status != http.StatusCreated {
			wantError(t, r, http.StatusBadRequest, 800018, "75")
		}
	})
	created := 0
	for i, s := range statuses {
		if s == http.StatusCreated {
			created++
			continue
		}
		// A refused create is not half-written: its domain stays free.
		if r := m.do(call{method: "HEAD", path: fmt.Sprintf("/v1/domains/limit%d.onmicrosoft.com", i), token: "limit-account"}); r.status != http.StatusNotFound {
			t.Errorf("refused customer %d holds its domain (HEAD %d)", i, r.status)
		}
	}
	ids := m.customerIDs("limit-account", "?size=500", nil)
	if created != 75 || len(ids) != 75 {
		t.Fatalf("%d created, %d listed; want 75", created, len(ids))
	}
	wantError(t, m.createCustomer("limit-account", javaCustomerBody("limitmore.onmicrosoft.com", "")), http.StatusBadRequest, 800018, "DELETE /v1/customers")
	if r := m.do(call{method: "DELETE", path: "/v1/customers/" + ids[10], token: "limit-account"}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	m.mustCreateCustomer("limit-account", "limitmore.onmicrosoft.com", "")
}

func TestAssociatedPartnerIdMustBeALiveResellerOfThisAccount(t *testing.T) {
	m := newMock(t)
	mine := m.mustCreateReseller("apid-a", "apidmine")
	theirs := m.mustCreateReseller("apid-b", "apidtheirs")
	for _, id := range []string{uuid.NewString(), theirs, "not-a-guid"} {
		wantError(t, m.createCustomer("apid-a", javaCustomerBody("apid.onmicrosoft.com", id)), http.StatusBadRequest, 800016, id)
	}
	// Reseller deletion is refused while it has a customer, allowed after.
	c := m.mustCreateCustomer("apid-a", "apid.onmicrosoft.com", mine)
	wantError(t, m.deleteReseller("apid-a", mine), http.StatusForbidden, 6003, "1 customer")
	if ids := m.resellerIDs("apid-a", ""); len(ids) != 1 {
		t.Fatal("a refused reseller delete removed it")
	}
	if r := m.do(call{method: "DELETE", path: "/v1/customers/" + c, token: "apid-a"}); r.status != http.StatusNoContent {
		t.Fatalf("delete customer: %d", r.status)
	}
	if r := m.deleteReseller("apid-a", mine); r.status != http.StatusNoContent {
		t.Fatalf("delete reseller after its customer: %d %s", r.status, r.body)
	}
	// A deleted reseller takes no new customers.
	wantError(t, m.createCustomer("apid-a", javaCustomerBody("apid2.onmicrosoft.com", mine)), http.StatusBadRequest, 800016)
	// An app-only token may create direct customers but not reseller customers.
	wantError(t, m.createCustomer(appOnlyToken, javaCustomerBody("apponly.onmicrosoft.com", uuid.NewString())), http.StatusForbidden, 900329)
	if r := m.createCustomer(appOnlyToken, javaCustomerBody("apponly.onmicrosoft.com", "")); r.status != http.StatusCreated {
		t.Errorf("app-only direct customer: %d %s", r.status, r.body)
	}
}

func TestPagingListsEveryCustomerOnceWhileCustomersAreAdded(t *testing.T) {
	m := newMock(t)
	var want []string
	for i := range 23 {
		want = append(want, m.mustCreateCustomer("paging", fmt.Sprintf("page%02d.onmicrosoft.com", i), ""))
	}
	added := 0
	got := m.customerIDs("paging", "?size=5", func(page int) {
		// New customers between pages appear at the end, exactly once.
		want = append(want, m.mustCreateCustomer("paging", fmt.Sprintf("late%d.onmicrosoft.com", page), ""))
		added++
	})
	if added < 5 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %d ids after %d additions:\n got %v\nwant %v", len(got), added, got, want)
	}
	// size 0 or absent means 200 per page.
	for _, q := range []string{"", "?size=0"} {
		r := m.do(call{method: "GET", path: "/v1/customers" + q, token: "paging"})
		if n := len(r.json()["items"].([]any)); n != len(want) {
			t.Errorf("GET /v1/customers%s: %d items", q, n)
		}
	}
}

func TestBadPagingInputIsRefused(t *testing.T) {
	m := newMock(t)
	for i := range 3 {
		m.mustCreateCustomer("badpage", fmt.Sprintf("bp%d.onmicrosoft.com", i), "")
	}
	for _, size := range []string{"-1", "abc", "501", "1.5"} {
		wantError(t, m.do(call{method: "GET", path: "/v1/customers?size=" + size, token: "badpage"}), http.StatusBadRequest, 800002, "size")
	}
	first := m.do(call{method: "GET", path: "/v1/customers?size=1", token: "badpage"}).json()
	token := first["continuationToken"].(string)
	next := func(tok, as string) reply {
		return m.do(call{method: "GET", path: "/v1/customers?size=1&seekOperation=next", token: as, headers: map[string]string{"MS-ContinuationToken": tok}})
	}
	if r := next(token, "badpage"); r.status != http.StatusOK {
		t.Fatalf("valid token: %d %s", r.status, r.body)
	}
	altered := []byte(token)
	altered[3] ^= 1
	for name, tok := range map[string]string{"missing": "", "altered": string(altered), "garbage": "abc.def"} {
		wantError(t, next(tok, "badpage"), http.StatusBadRequest, 800002, "MS-ContinuationToken")
		_ = name
	}
	wantError(t, next(token, "another-account"), http.StatusBadRequest, 800002, "MS-ContinuationToken")
}

func TestTheIndirectResellerFilterAsEachSDKEncodesIt(t *testing.T) {
	m := newMock(t)
	r1 := m.mustCreateReseller(defaultToken, "filterone")
	r2 := m.mustCreateReseller(defaultToken, "filtertwo")
	var want1 []string
	for i := range 3 {
		want1 = append(want1, m.mustCreateCustomer(defaultToken, fmt.Sprintf("f1c%d.onmicrosoft.com", i), r1))
		m.mustCreateCustomer(defaultToken, fmt.Sprintf("f2c%d.onmicrosoft.com", i), r2)
	}
	direct := m.mustCreateCustomer(defaultToken, "fdirect.example.org", "")
	queries := map[string]string{
		".NET":                     "?size=0&filter=" + url.QueryEscape(`{"Field":"IndirectReseller","Value":"`+r1+`","Operator":"starts_with"}`),
		"Java":                     "?size=0&filter=" + url.QueryEscape(`{"value":"`+strings.ToUpper(r1)+`","field":"IndirectReseller","fieldType":"String","operator":"StartsWith"}`),
		"Python":                   "?filter=" + url.QueryEscape(`{"Field": "IndirectReseller", "Value": "`+r1+`", "Operator": "starts_with"}`),
		"Python with + for spaces": "?filter=" + strings.ReplaceAll(url.PathEscape(`{"Field": "IndirectReseller", "Value": "`+r1+`", "Operator": "starts_with"}`), "%20", "+"),
		"paged":                    "?size=2&filter=" + url.QueryEscape(`{"Field":"IndirectReseller","Value":"`+r1+`","Operator":"startsWith"}`),
		"a prefix of the id":       "?filter=" + url.QueryEscape(`{"Field":"IndirectReseller","Value":"`+strings.ToUpper(r1[:13])+`","Operator":"starts_with"}`),
	}
	for name, q := range queries {
		if got := m.customerIDs(defaultToken, q, nil); strings.Join(got, ",") != strings.Join(want1, ",") {
			t.Errorf("%s: %v, want %v", name, got, want1)
		}
	}
	byName := m.customerIDs(defaultToken, "?filter="+url.QueryEscape(`{"Field":"CompanyName","Value":"contoso F1C","Operator":"starts_with"}`), nil)
	if strings.Join(byName, ",") != strings.Join(want1, ",") {
		t.Errorf("CompanyName filter: %v", byName)
	}
	byDomain := m.customerIDs(defaultToken, "?filter="+url.QueryEscape(`{"Field":"Domain","Value":"FDIRECT.","Operator":"starts_with"}`), nil)
	if len(byDomain) != 1 || byDomain[0] != direct {
		t.Errorf("Domain filter: %v", byDomain)
	}
	all := m.customerIDs(defaultToken, "?filter="+url.QueryEscape(`{"Field":"IndirectCloudSolutionProvider","Value":"x","Operator":"starts_with"}`), nil)
	if len(all) != 7 {
		t.Errorf("IndirectCloudSolutionProvider filter: %d customers", len(all))
	}
	for _, f := range []string{`{"Field":"Email","Value":"a","Operator":"starts_with"}`, `{"Field":"CompanyName","Value":"a","Operator":"equals"}`, `not json`} {
		wantError(t, m.do(call{method: "GET", path: "/v1/customers?filter=" + url.QueryEscape(f), token: defaultToken}), http.StatusBadRequest, 800002, "filter")
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/customers?filter=" + url.QueryEscape(`{"Field":"IndirectReseller","Value":"`+r1+`","Operator":"starts_with"}`), token: appOnlyToken}),
		http.StatusForbidden, 900329)
}

func TestDomainsAreCheckedAcrossAccounts(t *testing.T) {
	m := newMock(t)
	m.mustCreateCustomer("dom-a", "taken.example.com", "")
	m.mustCreateReseller("dom-a", "TakenPrefix")
	head := func(d string) int {
		return m.do(call{method: "HEAD", path: "/v1/domains/" + d, token: "dom-b"}).status
	}
	for d, want := range map[string]int{
		"taken.example.com": 200, "TAKEN.Example.COM": 200, "takenprefix.onmicrosoft.com": 200,
		"contososandbox.onmicrosoft.com": 200, "free.example.com": 404, "not a domain": 400, "nodot": 400,
	} {
		if got := head(url.PathEscape(d)); got != want {
			t.Errorf("HEAD %s = %d, want %d", d, got, want)
		}
	}
	if r := m.do(call{method: "GET", path: "/v1/domains/taken.example.com", token: "dom-b"}); r.status != 200 || len(r.body) != 0 {
		t.Errorf("GET taken domain: %d %q", r.status, r.body)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/domains/free.example.com", token: "dom-b"}), http.StatusNotFound, 60003)
	wantError(t, m.do(call{method: "GET", path: "/v1/domains/x", token: "dom-b"}), http.StatusBadRequest, 800002)
	wantError(t, m.createCustomer("dom-b", javaCustomerBody("Taken.Example.com", "")), http.StatusConflict, 1003, "taken.example.com")
	wantError(t, m.createCustomer("dom-b", javaCustomerBody("TAKENPREFIX.onmicrosoft.com", "")), http.StatusConflict, 1003)
	for prefix, want := range map[string]string{"takenprefix": "false", "contososandbox": "false", "freeprefix": "true"} {
		r := m.do(call{method: "GET", path: "/v1/validations/checkdomainavailability/" + prefix, token: "dom-b"})
		if r.status != 200 || string(r.body) != want {
			t.Errorf("checkdomainavailability/%s = %d %s, want %s", prefix, r.status, r.body, want)
		}
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/validations/checkdomainavailability/bad-prefix", token: "dom-b"}), http.StatusBadRequest, 800002)
}

func TestRelationshipRequestsAndTheOrganizationProfile(t *testing.T) {
	m := newMock(t)
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/relationshiprequests", token: defaultToken}), http.StatusBadRequest, 900127, "sandbox")
	r := m.do(call{method: "GET", path: "/v1/customers/RelationshipRequests", token: primaryToken})
	if r.status != 200 || !strings.Contains(r.json()["url"].(string), "partnerId=a1a1a1a1-0000-4000-8000-000000000001") {
		t.Errorf("primary relationship request: %d %s", r.status, r.body)
	}
	org := m.do(call{method: "GET", path: "/v1/profiles/organization", token: defaultToken}).json()
	addr := org["defaultAddress"].(map[string]any)
	if org["id"] != defaultAcct || org["tenantId"] != defaultAcct || org["companyName"] != "Contoso Sandbox" ||
		org["culture"] != "en-US" || addr["country"] != "US" || org["attributes"].(map[string]any)["objectType"] != "OrganizationProfile" {
		t.Errorf("organization profile: %v", org)
	}
}

func TestAnotherAccountsCustomerIsNotFound(t *testing.T) {
	m := newMock(t)
	id := m.mustCreateCustomer("owner", "owned.example.com", "")
	for _, c := range []call{
		{method: "GET", path: "/v1/customers/" + id},
		{method: "GET", path: "/v1/customers/" + id + "/profiles/billing"},
		{method: "DELETE", path: "/v1/customers/" + id},
		{method: "PATCH", path: "/v1/customers/" + id, body: []byte(`{"relationshipToPartner":"none"}`)},
	} {
		c.token = "stranger"
		wantError(t, m.do(c), http.StatusNotFound, 60003, id)
	}
	if r := m.do(call{method: "GET", path: "/v1/customers/" + id, token: "owner"}); r.status != 200 {
		t.Errorf("the owner lost the customer: %d", r.status)
	}
}

func TestRemovingTheRelationshipDeletesASandboxCustomer(t *testing.T) {
	m := newMock(t)
	id := m.mustCreateCustomer("patcher", "patched.example.com", "")
	wantError(t, m.do(call{method: "PATCH", path: "/v1/customers/" + id, token: "patcher", body: []byte(`{"relationshipToPartner":"reseller"}`)}), http.StatusBadRequest, 800002, "none")
	wantError(t, m.do(call{method: "PATCH", path: "/v1/customers/" + id, token: "patcher", body: []byte(`{}`)}), http.StatusBadRequest, 800002, "relationshipToPartner")
	r := m.do(call{method: "PATCH", path: "/v1/customers/" + id, token: "patcher", body: []byte(`{"RelationshipToPartner":"None"}`)})
	if r.status != 200 || r.json()["id"] != id {
		t.Fatalf("PATCH none: %d %s", r.status, r.body)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + id, token: "patcher"}), http.StatusNotFound, 60003)
	wantError(t, m.do(call{method: "DELETE", path: "/v1/customers/" + id, token: "patcher"}), http.StatusNotFound, 60003)
	if r := m.do(call{method: "HEAD", path: "/v1/domains/patched.example.com", token: "patcher"}); r.status != 404 {
		t.Errorf("a deleted customer's domain is still taken: %d", r.status)
	}
	// A primary account cannot delete customers.
	pid := m.mustCreateCustomer(primaryToken, "primarycust.example.com", "")
	wantError(t, m.do(call{method: "DELETE", path: "/v1/customers/" + pid, token: primaryToken}), http.StatusBadRequest, 900127)
	wantError(t, m.do(call{method: "PATCH", path: "/v1/customers/" + pid, token: primaryToken, body: []byte(`{"relationshipToPartner":"none"}`)}), http.StatusBadRequest, 900127)
	wantError(t, m.do(call{method: "DELETE", path: "/v1/customers/" + uuid.NewString(), token: primaryToken}), http.StatusNotFound, 60003)
}

// Answers carry their length: a list page over net/http's 2 KiB chunking
// threshold is not sent chunked.
func TestAnswersCarryTheirLength(t *testing.T) {
	m := newMock(t)
	for i := range 5 {
		m.mustCreateCustomer(defaultToken, fmt.Sprintf("length%d.onmicrosoft.com", i), "")
	}
	r := m.do(call{method: "GET", path: "/v1/customers?size=5", token: defaultToken})
	if r.status != http.StatusOK || len(r.body) < 2048 {
		t.Fatalf("%d with %d bytes", r.status, len(r.body))
	}
	if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %q for a body of %d bytes", got, len(r.body))
	}
}
