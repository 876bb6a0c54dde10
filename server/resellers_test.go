package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// orderedKeys lists an object's keys as JSON paths, recursively, in the
// order they appear.
func orderedKeys(t *testing.T, dec *json.Decoder, prefix string) []string {
	t.Helper()
	tok, err := dec.Token()
	if err != nil {
		t.Fatal(err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	var keys []string
	switch d {
	case '{':
		for dec.More() {
			k, _ := dec.Token()
			name := prefix + "." + k.(string)
			keys = append(keys, name)
			keys = append(keys, orderedKeys(t, dec, name)...)
		}
	case '[':
		for dec.More() {
			keys = append(keys, orderedKeys(t, dec, prefix+"[]")...)
		}
	}
	dec.Token() // closing delimiter
	return keys
}

// jsonTypes maps every path of a JSON document to the JSON type found there.
func jsonTypes(v any, prefix string, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		out[prefix] = "object"
		for k, c := range t {
			jsonTypes(c, prefix+"."+k, out)
		}
	case []any:
		out[prefix] = "array"
	case string:
		out[prefix] = "string"
	case float64:
		out[prefix] = "number"
	case bool:
		out[prefix] = "boolean"
	default:
		out[prefix] = "null"
	}
}

var rfc3339Seven = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$`)

func TestCreateResellerAnswersTheDocumentedExampleInTheDocumentedShape(t *testing.T) {
	m := newMock(t)
	r := m.do(call{method: "POST", path: "/v1//sandboxIndirectReseller", token: defaultToken,
		body: testdata(t, "reseller-create-request.json")})
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}

	doc := testdata(t, "reseller-create-response.json")
	gotOrder, wantOrder := orderedKeys(t, json.NewDecoder(bytes.NewReader(r.body)), ""), orderedKeys(t, json.NewDecoder(bytes.NewReader(doc)), "")
	if strings.Join(gotOrder, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("fields differ from the documented response\n got: %v\nwant: %v", gotOrder, wantOrder)
	}
	var got, want any
	json.Unmarshal(r.body, &got)
	json.Unmarshal(doc, &want)
	gotTypes, wantTypes := map[string]string{}, map[string]string{}
	jsonTypes(got, "", gotTypes)
	jsonTypes(want, "", wantTypes)
	for path, typ := range wantTypes {
		if gotTypes[path] != typ {
			t.Errorf("%s is a JSON %s, documented as %s", path, gotTypes[path], typ)
		}
	}

	b := r.json()
	tenant := b["tenant"].(map[string]any)
	sig := b["agreementSignature"].(map[string]any)
	rel := b["partnerRelationship"].(map[string]any)
	id := b["accountId"].(string)
	if _, err := uuid.Parse(id); err != nil || tenant["id"] != id {
		t.Errorf("accountId %q, tenant.id %q: want one new GUID", id, tenant["id"])
	}
	checks := map[string][2]any{
		"mpnId":                                        {b["mpnId"], "6363276"},
		"tenant.adminUserAccount":                      {tenant["adminUserAccount"], "admin@TipIRIntTest705.onmicrosoft.com"},
		"agreementSignature.accountId":                 {sig["accountId"], id},
		"agreementSignature.agreementType":             {sig["agreementType"], "ValueAddedReseller"},
		"agreementSignature.signedByFirstName":         {sig["signedByFirstName"], "admin@contososandbox.onmicrosoft.com"},
		"agreementSignature.signedByUserPrincipalName": {sig["signedByUserPrincipalName"], "admin@contososandbox.onmicrosoft.com"},
		"agreementSignature.signedByUserObjectId":      {sig["signedByUserObjectId"], "c0ffee00-0000-4000-8000-0000000000b1"},
		"agreementSignature.signedByUserTenantId":      {sig["signedByUserTenantId"], defaultAcct},
		"agreementSignature.attributes.objectType":     {sig["attributes"].(map[string]any)["objectType"], "AgreementSignatureResponse"},
		"partnerRelationship.id":                       {rel["id"], defaultAcct},
		"partnerRelationship.name":                     {rel["name"], "Contoso Sandbox"},
		"partnerRelationship.relationshipType":         {rel["relationshipType"], "is_indirect_reseller_of"},
		"partnerRelationship.state":                    {rel["state"], "Active"},
		"partnerRelationship.mpnId":                    {rel["mpnId"], "6363276"},
		"partnerRelationship.attributes.objectType":    {rel["attributes"].(map[string]any)["objectType"], "PartnerRelationshipResponse"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if pw, _ := tenant["password"].(string); len(pw) < 12 {
		t.Errorf("tenant.password = %q, want a generated password", pw)
	}
	if ds, _ := sig["dateSigned"].(string); !rfc3339Seven.MatchString(ds) {
		t.Errorf("dateSigned = %q, want RFC 3339 UTC with 7 fractional digits", ds)
	}
	if _, err := uuid.Parse(sig["id"].(string)); err != nil || sig["id"] == id {
		t.Errorf("agreementSignature.id = %v, want its own GUID", sig["id"])
	}
	for _, h := range []string{"MS-CV", "MS-ServerId", "Date", "X-Mocksandbox-Version"} {
		if r.header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
}

func TestCreateResellerAcceptsEveryPathAndBodySpelling(t *testing.T) {
	m := newMock(t)
	pascal := []byte(`{"PartnerId":"123","Tenant":{"DomainPrefix":"pascal1","Name":"P","DisplayName":"P","AdminUserName":"admin",
		"AdminFirstName":"A","AdminLastName":"B","AdminAlernateEmail":"a@b.com","Country":"us","Culture":"en-US","Extra":null},
		"LegalBusinessProfile":{"CompanyName":"Pascal Ltd","Address":{"Country":"US","City":"Redmond","AddressLine1":"1 Way","PostalCode":"98052","State":null},
		"PrimaryContact":{"FirstName":"A","LastName":"B","Email":"a@b.com","PhoneNumber":"1"},"Culture":"en-US"},
		"OrganizationProfileLanguage":{"Language":"en"},"Attributes":{"ObjectType":"Whatever"}}`)
	cases := []struct {
		name, path string
		body       []byte
	}{
		{"documented double slash", "/v1//sandboxIndirectReseller", resellerBody(t, "spelling1")},
		{"single slash", "/v1/sandboxIndirectReseller", resellerBody(t, "spelling2")},
		{"any case and a trailing slash", "/V1/SandboxIndirectReseller/", resellerBody(t, "spelling3")},
		{"partnerId instead of mpnId", "/v1/sandboxIndirectReseller", resellerBody(t, "spelling4", func(v map[string]any) {
			v["partnerId"] = v["mpnId"]
			delete(v, "mpnId")
		})},
		{"PascalCase with nulls and unknown fields", "//v1/sandboxIndirectReseller", pascal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := m.do(call{method: "POST", path: c.path, token: "spellings-" + c.name, body: c.body})
			if r.status != http.StatusCreated {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
	}
	r := m.do(call{method: "GET", path: "/v1/relationships", token: "spellings-PascalCase with nulls and unknown fields"})
	item := r.json()["items"].([]any)[0].(map[string]any)
	if item["mpnId"] != "123" || item["name"] != "Pascal Ltd" || item["location"] != "US" {
		t.Errorf("PascalCase reseller stored as %v", item)
	}
}

func TestCreateResellerRefusesBadInputNamingTheField(t *testing.T) {
	m := newMock(t, maxBody(4096))
	del := func(path ...string) func(map[string]any) {
		return func(v map[string]any) {
			for _, p := range path[:len(path)-1] {
				v = v[p].(map[string]any)
			}
			delete(v, path[len(path)-1])
		}
	}
	set := func(val any, path ...string) func(map[string]any) {
		return func(v map[string]any) {
			for _, p := range path[:len(path)-1] {
				v = v[p].(map[string]any)
			}
			v[path[len(path)-1]] = val
		}
	}
	var cases []struct {
		name  string
		body  []byte
		field string
	}
	add := func(name, field string, body []byte) {
		cases = append(cases, struct {
			name  string
			body  []byte
			field string
		}{name, body, field})
	}
	add("missing mpnId", "$.mpnId", resellerBody(t, "bad", del("mpnId")))
	add("numeric mpnId", "$.mpnId", resellerBody(t, "bad", set(6363276, "mpnId")))
	add("mpnId with letters", "$.mpnId", resellerBody(t, "bad", set("12a", "mpnId")))
	add("mpnId and partnerId differ", "$.partnerId", resellerBody(t, "bad", set("999", "partnerId")))
	add("missing tenant", "$.tenant", resellerBody(t, "bad", del("tenant")))
	add("tenant is a string", "$.tenant", resellerBody(t, "bad", set("x", "tenant")))
	for _, f := range []string{"domainPrefix", "name", "displayName", "adminUserName", "adminFirstName", "adminLastName", "adminAlternateEmail", "country", "culture"} {
		add("missing tenant."+f, "$.tenant."+f, resellerBody(t, "bad", del("tenant", f)))
		add("tenant."+f+" is a number", "$.tenant."+f, resellerBody(t, "bad", set(7, "tenant", f)))
	}
	add("domain prefix with a dash", "$.tenant.domainPrefix", resellerBody(t, "bad-prefix"))
	add("domain prefix of 28 characters", "$.tenant.domainPrefix", resellerBody(t, strings.Repeat("a", 28)))
	add("country of three letters", "$.tenant.country", resellerBody(t, "bad", set("USA", "tenant", "country")))
	add("alternate email without a dot", "$.tenant.adminAlternateEmail", resellerBody(t, "bad", set("a@b", "tenant", "adminAlternateEmail")))
	add("missing legalBusinessProfile", "$.legalBusinessProfile", resellerBody(t, "bad", del("legalBusinessProfile")))
	for _, f := range []string{"companyName", "address", "primaryContact", "culture"} {
		add("missing legalBusinessProfile."+f, "$.legalBusinessProfile."+f, resellerBody(t, "bad", del("legalBusinessProfile", f)))
	}
	for _, f := range []string{"country", "city", "addressLine1", "postalCode"} {
		add("missing address."+f, "$.legalBusinessProfile.address."+f, resellerBody(t, "bad", del("legalBusinessProfile", "address", f)))
	}
	add("address.state is a number", "$.legalBusinessProfile.address.state", resellerBody(t, "bad", set(1, "legalBusinessProfile", "address", "state")))
	for _, f := range []string{"firstName", "lastName", "email", "phoneNumber"} {
		add("missing primaryContact."+f, "$.legalBusinessProfile.primaryContact."+f, resellerBody(t, "bad", del("legalBusinessProfile", "primaryContact", f)))
	}
	add("missing organizationProfileLanguage", "$.organizationProfileLanguage", resellerBody(t, "bad", del("organizationProfileLanguage")))
	add("organizationProfileLanguage is a number", "$.organizationProfileLanguage", resellerBody(t, "bad", set(1, "organizationProfileLanguage")))
	add("organizationProfileLanguage object without language", "$.organizationProfileLanguage.language", resellerBody(t, "bad", set(map[string]any{}, "organizationProfileLanguage")))
	add("a string over 256 characters", "$.tenant.name", resellerBody(t, "bad", set(strings.Repeat("n", 257), "tenant", "name")))
	add("two names differing in case", `"mpnId" and "mpnid"`, []byte(`{"mpnId":"1","mpnid":"2"}`))
	add("malformed JSON", "not valid JSON", []byte(`{"mpnId":`))
	add("an array body", "$ must be a JSON object", []byte(`[1,2]`))
	add("an empty body", "empty", []byte(``))
	add("trailing data", "after its JSON value", []byte(`{} {}`))
	add("nesting deeper than 64", "deeper than 64", []byte(strings.Repeat(`{"a":`, 65)+"1"+strings.Repeat("}", 65)))

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: c.body})
			wantError(t, r, http.StatusBadRequest, 800002, c.field)
		})
	}

	t.Run("a body over --max-body", func(t *testing.T) {
		big := resellerBody(t, "big", set(strings.Repeat("x", 5000), "unknownPadding"))
		wantError(t, m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: big}),
			http.StatusRequestEntityTooLarge, 800002, "--max-body")
	})
	t.Run("a chunked body over --max-body", func(t *testing.T) {
		big := resellerBody(t, "big", set(strings.Repeat("x", 5000), "unknownPadding"))
		req, _ := http.NewRequest("POST", m.URL+"/v1/sandboxIndirectReseller", struct{ *bytes.Reader }{bytes.NewReader(big)})
		req.Header.Set("Authorization", "Bearer "+defaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
			t.Fatalf("status %d (content length %d), want 413", resp.StatusCode, req.ContentLength)
		}
	})
	if ids := m.resellerIDs(defaultToken, "IsIndirectCloudSolutionProviderOf"); len(ids) != 0 {
		t.Errorf("bad input created resellers: %v", ids)
	}
}

func TestResellerRoutesRequireTheirHeadersAndABearer(t *testing.T) {
	m := newMock(t)
	for _, h := range []string{"MS-RequestId", "MS-CorrelationId"} {
		for _, value := range []string{"", "not-a-guid"} {
			for _, method := range []string{"POST", "DELETE"} {
				path := "/v1/sandboxIndirectReseller"
				if method == "DELETE" {
					path += "/" + uuid.NewString()
				}
				r := m.do(call{method: method, path: path, token: defaultToken, body: resellerBody(t, "hdr"), headers: map[string]string{h: value}})
				wantError(t, r, http.StatusBadRequest, 800002, h)
			}
		}
	}
	r := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", body: resellerBody(t, "hdr")})
	wantError(t, r, http.StatusUnauthorized, 800001, "Authorization")
	if got := r.header.Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	r = m.do(call{method: "GET", path: "/v1/relationships", headers: map[string]string{"Authorization": "Basic abc"}})
	wantError(t, r, http.StatusUnauthorized, 800001)
	// An all-zero MS-CorrelationId (PowerShell) is a GUID: accepted.
	r = m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "zerocorr"),
		headers: map[string]string{"MS-CorrelationId": "00000000-0000-0000-0000-000000000000"}})
	if r.status != http.StatusCreated || r.header.Get("MS-CorrelationId") != "00000000-0000-0000-0000-000000000000" {
		t.Errorf("all-zero correlation id: %d, echoed %q", r.status, r.header.Get("MS-CorrelationId"))
	}
}

func TestResellerRoutesRefusePrimaryAccountsAndAppOnlyTokens(t *testing.T) {
	m := newMock(t)
	wantError(t, m.createReseller(primaryToken, "primary1"), http.StatusUnauthorized, 6002, "primary")
	wantError(t, m.deleteReseller(primaryToken, uuid.NewString()), http.StatusUnauthorized, 6002)
	wantError(t, m.createReseller(appOnlyToken, "apponly1"), http.StatusForbidden, 900329, "App+User")
	wantError(t, m.deleteReseller(appOnlyToken, uuid.NewString()), http.StatusForbidden, 900329)
	wantError(t, m.do(call{method: "GET", path: "/v1/relationships", token: appOnlyToken}), http.StatusForbidden, 900329)
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 0 {
		t.Errorf("refused creates left resellers: %v", ids)
	}
}

func TestTheSixthResellerIsRefusedUntilOneIsDeleted(t *testing.T) {
	m := newMock(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, m.mustCreateReseller(defaultToken, fmt.Sprintf("limit%d", i)))
	}
	wantError(t, m.createReseller(defaultToken, "limit5"), http.StatusForbidden, 6004, "5", "DELETE /v1/sandboxIndirectReseller")
	if got := len(m.resellerIDs(defaultToken, "")); got != 5 {
		t.Fatalf("%d live resellers after the refused 6th", got)
	}
	if r := m.deleteReseller(defaultToken, ids[2]); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	m.mustCreateReseller(defaultToken, "limit5")
	wantError(t, m.createReseller(defaultToken, "limit6"), http.StatusForbidden, 6004)
}

func TestConcurrentCreatesNeverExceedTheLimit(t *testing.T) {
	m := newMock(t)
	const n = 48
	statuses := make([]int, n)
	codes := make([]float64, n)
	concurrently(n, func(i int) {
		r := m.createReseller("race-account", fmt.Sprintf("race%d", i))
		statuses[i] = r.status
		if r.status != http.StatusCreated {
			codes[i], _ = r.json()["code"].(float64)
		}
	})
	created, refused := 0, 0
	for i, s := range statuses {
		switch {
		case s == http.StatusCreated:
			created++
		case s == http.StatusForbidden && codes[i] == 6004:
			refused++
		default:
			t.Errorf("request %d: status %d code %v", i, s, codes[i])
		}
	}
	if created != 5 || refused != 43 {
		t.Errorf("created %d, refused %d; want 5 and 43", created, refused)
	}
	if got := len(m.resellerIDs("race-account", "")); got != 5 {
		t.Errorf("%d live resellers, want 5", got)
	}
}

func TestOneRequestIDCreatesOneResellerHoweverOftenItIsSent(t *testing.T) {
	m := newMock(t)
	body := resellerBody(t, "idem1")
	headers := map[string]string{"MS-RequestId": uuid.NewString(), "MS-CorrelationId": uuid.NewString()}
	const n = 24
	replies := make([]reply, n)
	concurrently(n, func(i int) {
		replies[i] = m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: body, headers: headers})
	})
	replayed := 0
	for i, r := range replies {
		if r.status != http.StatusCreated || !bytes.Equal(r.body, replies[0].body) {
			t.Fatalf("reply %d: %d %s\nfirst: %s", i, r.status, r.body, replies[0].body)
		}
		if r.header.Get("X-Mocksandbox-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != n-1 {
		t.Errorf("%d replies marked replayed, want %d", replayed, n-1)
	}
	if ids := m.resellerIDs(defaultToken, ""); len(ids) != 1 {
		t.Errorf("%d resellers exist, want 1", len(ids))
	}

	// The same request id with a different body is refused, in any order of keys.
	other := resellerBody(t, "idem2")
	wantError(t, m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: other, headers: headers}),
		http.StatusBadRequest, 800002, "MS-RequestId", "already used")
	// A body that differs only in key case, order, nulls and spacing is the same request.
	var v map[string]any
	json.Unmarshal(body, &v)
	v["TENANT"] = v["tenant"]
	delete(v, "tenant")
	v["extra"] = nil
	same, _ := json.MarshalIndent(v, "", "  ")
	r := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: same, headers: headers})
	if r.status != http.StatusCreated || !bytes.Equal(r.body, replies[0].body) || r.header.Get("X-Mocksandbox-Replayed") != "true" {
		t.Errorf("canonically equal body: %d replayed=%q", r.status, r.header.Get("X-Mocksandbox-Replayed"))
	}
	// The replay echoes this request's correlation id, not the stored one.
	h2 := map[string]string{"MS-RequestId": headers["MS-RequestId"], "MS-CorrelationId": uuid.NewString()}
	r = m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: body, headers: h2})
	if r.header.Get("MS-CorrelationId") != h2["MS-CorrelationId"] || !bytes.Equal(r.body, replies[0].body) {
		t.Errorf("replay echoed correlation id %q, want %q", r.header.Get("MS-CorrelationId"), h2["MS-CorrelationId"])
	}
}

func TestIdempotencyKeysIncludeAccountMethodAndPath(t *testing.T) {
	m := newMock(t)
	rid := map[string]string{"MS-RequestId": uuid.NewString()}
	// Two accounts may use the same request id independently.
	for _, tok := range []string{"key-a", "key-b"} {
		r := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: tok, body: resellerBody(t, "key"+tok[4:]), headers: rid})
		if r.status != http.StatusCreated || r.header.Get("X-Mocksandbox-Replayed") != "" {
			t.Fatalf("%s: %d replayed=%q %s", tok, r.status, r.header.Get("X-Mocksandbox-Replayed"), r.body)
		}
	}
	// The .NET SDK reuses one request id across calls: a DELETE is not a replay of the POST.
	id := m.resellerIDs("key-a", "")[0]
	r := m.do(call{method: "DELETE", path: "/v1/sandboxIndirectReseller/" + id, token: "key-a", headers: rid})
	if r.status != http.StatusNoContent {
		t.Fatalf("delete with a reused request id: %d %s", r.status, r.body)
	}
}

func TestErrorAnswersAreReplayedToo(t *testing.T) {
	m := newMock(t)
	m.mustCreateReseller(defaultToken, "taken1")
	headers := map[string]string{"MS-RequestId": uuid.NewString()}
	body := resellerBody(t, "TAKEN1")
	first := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: body, headers: headers})
	wantError(t, first, http.StatusConflict, 1003)
	// Java re-sends a 409 four more times with the same request id: all alike.
	for range 4 {
		again := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: body, headers: headers})
		if again.status != first.status || !bytes.Equal(again.body, first.body) || again.header.Get("X-Mocksandbox-Replayed") != "true" {
			t.Fatalf("retry: %d %s", again.status, again.body)
		}
	}
}

func TestLenientIdempotencyProcessesAChangedBodyAsNew(t *testing.T) {
	m := newMock(t, lenient)
	headers := map[string]string{"MS-RequestId": uuid.NewString()}
	first := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "lenient1"), headers: headers})
	second := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "lenient2"), headers: headers})
	if first.status != http.StatusCreated || second.status != http.StatusCreated || bytes.Equal(first.body, second.body) {
		t.Fatalf("lenient: %d then %d", first.status, second.status)
	}
	// ...and stores the new answer in place of the old one.
	third := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "lenient2"), headers: headers})
	if !bytes.Equal(third.body, second.body) || third.header.Get("X-Mocksandbox-Replayed") != "true" {
		t.Errorf("lenient replay of the newer body: %d %s", third.status, third.body)
	}
	if n := len(m.resellerIDs(defaultToken, "")); n != 2 {
		t.Errorf("%d resellers, want 2", n)
	}
}

func TestRequestsWithoutAUsableRequestIDAreNotReplayed(t *testing.T) {
	m := newMock(t)
	// On other routes a missing or all-zero MS-RequestId is replaced; such
	// requests are never keyed. Here: the relationships GET echoes a generated id.
	r := m.do(call{method: "GET", path: "/v1/relationships", token: defaultToken, headers: map[string]string{"MS-RequestId": ""}})
	if _, err := uuid.Parse(r.header.Get("MS-RequestId")); err != nil {
		t.Errorf("generated MS-RequestId = %q", r.header.Get("MS-RequestId"))
	}
	r = m.do(call{method: "GET", path: "/v1/relationships", token: defaultToken, headers: map[string]string{"MS-RequestId": "my-own-id_1"}})
	if r.header.Get("MS-RequestId") != "my-own-id_1" {
		t.Errorf("echoed MS-RequestId = %q", r.header.Get("MS-RequestId"))
	}
	// An all-zero request id is accepted on the reseller routes but never keyed.
	zero := map[string]string{"MS-RequestId": "00000000-0000-0000-0000-000000000000"}
	a := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "zero1"), headers: zero})
	b := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "zero2"), headers: zero})
	if a.status != http.StatusCreated || b.status != http.StatusCreated || b.header.Get("X-Mocksandbox-Replayed") != "" {
		t.Errorf("all-zero request ids: %d, %d (replayed %q)", a.status, b.status, b.header.Get("X-Mocksandbox-Replayed"))
	}
}

func TestDomainPrefixesAreOneNamespaceAcrossAccounts(t *testing.T) {
	m := newMock(t)
	m.mustCreateReseller("domain-a", "SharedPrefix")
	wantError(t, m.createReseller("domain-a", "sharedprefix"), http.StatusConflict, 1003, "sharedprefix.onmicrosoft.com")
	wantError(t, m.createReseller("domain-b", "SHAREDPREFIX"), http.StatusConflict, 1003)
	// An account's own domain is taken too: sandbox{8 hex}.onmicrosoft.com of an auto account,
	// contososandbox.onmicrosoft.com of the default fixture.
	wantError(t, m.createReseller("domain-b", "ContosoSandbox"), http.StatusConflict, 1003)
	// Deleting the reseller frees its prefix.
	id := m.resellerIDs("domain-a", "")[0]
	if r := m.deleteReseller("domain-a", id); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.status)
	}
	m.mustCreateReseller("domain-b", "sharedPrefix")
}

func TestAPartnerIDBindsToOneCountryPerAccount(t *testing.T) {
	m := newMock(t)
	country := func(c string) func(map[string]any) {
		return func(v map[string]any) { v["tenant"].(map[string]any)["country"] = c }
	}
	post := func(tok, prefix, c string) reply {
		return m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: tok, body: resellerBody(t, prefix, country(c))})
	}
	if r := post("mpn-a", "mpnus1", "US"); r.status != http.StatusCreated {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	if r := post("mpn-a", "mpnus2", "us"); r.status != http.StatusCreated {
		t.Fatalf("same PartnerID, same country: %d %s", r.status, r.body)
	}
	wantError(t, post("mpn-a", "mpnfr1", "FR"), http.StatusBadRequest, 800002, "6363276", "US")
	// Another account is not bound by this one's resellers.
	if r := post("mpn-b", "mpnfr2", "FR"); r.status != http.StatusCreated {
		t.Fatalf("other account: %d %s", r.status, r.body)
	}
}

func TestDeletingAResellerIsIdempotentAndRemovesItsRelationship(t *testing.T) {
	m := newMock(t)
	keep := m.mustCreateReseller(defaultToken, "keep1")
	gone := m.mustCreateReseller(defaultToken, "gone1")
	for i := range 2 {
		if r := m.deleteReseller(defaultToken, gone); r.status != http.StatusNoContent || len(r.body) != 0 {
			t.Fatalf("delete #%d: %d %q", i+1, r.status, r.body)
		}
	}
	if r := m.deleteReseller(defaultToken, strings.ToUpper(keep)); r.status != http.StatusNoContent {
		t.Fatalf("delete with an upper-case id: %d %s", r.status, r.body)
	}
	keep = m.mustCreateReseller(defaultToken, "keep2")
	wantError(t, m.deleteReseller(defaultToken, uuid.NewString()), http.StatusNotFound, 60003, "reseller")
	wantError(t, m.deleteReseller(defaultToken, "not-a-guid"), http.StatusNotFound, 60003)
	// %2F stays inside its segment: this is one (unknown) id, not a longer path.
	wantError(t, m.deleteReseller(defaultToken, "a%2Fb"), http.StatusNotFound, 60003, "a/b")
	for _, spelling := range []string{"IsIndirectCloudSolutionProviderOf", "isIndirectCloudSolutionProviderOf", "is_indirect_cloud_solution_provider_of", "IS_INDIRECT_CLOUD_SOLUTION_PROVIDER_OF", ""} {
		ids := m.resellerIDs(defaultToken, spelling)
		if len(ids) != 1 || ids[0] != keep {
			t.Errorf("relationship_type=%q lists %v, want only %s", spelling, ids, keep)
		}
	}
}

func TestRelationshipsListsLiveResellersInCreationOrder(t *testing.T) {
	m := newMock(t)
	var want []string
	for i := range 3 {
		want = append(want, m.mustCreateReseller(defaultToken, fmt.Sprintf("order%d", i)))
		time.Sleep(time.Millisecond) // distinct creation times are not required, only order
	}
	r := m.do(call{method: "GET", path: "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", token: defaultToken})
	body := r.json()
	if body["totalCount"] != float64(3) || body["attributes"].(map[string]any)["objectType"] != "Collection" {
		t.Errorf("collection: %s", r.body)
	}
	links := body["links"].(map[string]any)["self"].(map[string]any)
	if links["uri"] != "/relationships?relationship_type=IsIndirectCloudSolutionProviderOf" || links["method"] != "GET" {
		t.Errorf("links.self = %v", links)
	}
	items := body["items"].([]any)
	for i, it := range items {
		item := it.(map[string]any)
		if item["id"] != want[i] {
			t.Errorf("item %d is %v, want %s", i, item["id"], want[i])
		}
		wantItem := map[string]any{"name": "TipIRIntTest705", "relationshipType": "is_indirect_cloud_solution_provider_of",
			"state": "Active", "mpnId": "6363276", "location": "US"}
		for k, v := range wantItem {
			if item[k] != v {
				t.Errorf("item %d %s = %v, want %v", i, k, item[k], v)
			}
		}
		if item["attributes"].(map[string]any)["objectType"] != "PartnerRelationship" {
			t.Errorf("item %d attributes = %v", i, item["attributes"])
		}
	}
	for _, spelling := range []string{"IsIndirectResellerOf", "is_indirect_reseller_of", "isindirectresellerof"} {
		if ids := m.resellerIDs(defaultToken, spelling); len(ids) != 0 {
			t.Errorf("%s lists %v, want none", spelling, ids)
		}
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/relationships?relationship_type=Partner", token: defaultToken}),
		http.StatusBadRequest, 800002, "IsIndirectCloudSolutionProviderOf", "IsIndirectResellerOf")
}

func TestRelationshipsFilterByName(t *testing.T) {
	m := newMock(t)
	named := func(name string) func(map[string]any) {
		return func(v map[string]any) { v["legalBusinessProfile"].(map[string]any)["companyName"] = name }
	}
	for i, name := range []string{"Alpha Resale", "Beta Alpha", "Gamma"} {
		r := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, fmt.Sprintf("filter%d", i), named(name))})
		if r.status != http.StatusCreated {
			t.Fatal(r.status)
		}
	}
	list := func(filter string) []string {
		// The Java SDK sends the filter without relationship_type.
		r := m.do(call{method: "GET", path: "/v1/relationships?filter=" + filter, token: defaultToken})
		if r.status != http.StatusOK {
			t.Fatalf("filter %s: %d %s", filter, r.status, r.body)
		}
		var names []string
		for _, it := range r.json()["items"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		return names
	}
	if got := list(`%7B%22Field%22%3A%22Name%22%2C%22Value%22%3A%22alpha%22%2C%22Operator%22%3A%22starts_with%22%7D`); fmt.Sprint(got) != "[Alpha Resale]" {
		t.Errorf("starts_with alpha: %v", got)
	}
	if got := list(`{"field":"name","value":"ALPHA","operator":"substring"}`); fmt.Sprint(got) != "[Alpha Resale Beta Alpha]" {
		t.Errorf("substring ALPHA: %v", got)
	}
	wantError(t, m.do(call{method: "GET", path: `/v1/relationships?filter={"Field":"MpnId","Value":"1","Operator":"starts_with"}`, token: defaultToken}),
		http.StatusBadRequest, 800002, "Name")
	wantError(t, m.do(call{method: "GET", path: `/v1/relationships?filter={"Field":"Name","Value":"1","Operator":"equals"}`, token: defaultToken}),
		http.StatusBadRequest, 800002, "starts_with")
	wantError(t, m.do(call{method: "GET", path: `/v1/relationships?filter=notjson`, token: defaultToken}),
		http.StatusBadRequest, 800002, "filter")
}

func TestTwoTokensSeeTwoIsolatedAccounts(t *testing.T) {
	m := newMock(t)
	a := m.mustCreateReseller("isolation-a", "isoa")
	b := m.mustCreateReseller("isolation-b", "isob")
	if ids := m.resellerIDs("isolation-a", ""); len(ids) != 1 || ids[0] != a {
		t.Errorf("account a lists %v", ids)
	}
	if ids := m.resellerIDs("isolation-b", ""); len(ids) != 1 || ids[0] != b {
		t.Errorf("account b lists %v", ids)
	}
	wantError(t, m.deleteReseller("isolation-a", b), http.StatusNotFound, 60003)
	if ids := m.resellerIDs("isolation-b", ""); len(ids) != 1 {
		t.Errorf("a's delete reached b's reseller: %v", ids)
	}
	// Each auto account has its own limit of five.
	for i := range 4 {
		m.mustCreateReseller("isolation-a", fmt.Sprintf("isoa%d", i))
	}
	m.mustCreateReseller("isolation-b", "isob2")
}

func jsonDecoder(b []byte) *json.Decoder { return json.NewDecoder(bytes.NewReader(b)) }
