package server_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mocksandbox/mocksandbox/server"
)

// The bad-input corpus (RELIABILITY.md): hundreds of malformed requests
// across every route. Each must answer a 4xx with the error body of its
// route (Partner Center's, the control API's, or Entra's on the token
// routes), the server must stay up, and the database must not change:
// every table keeps its checksum, except that keyed writes may add stored
// 4xx answers to the idempotency table (SPEC §6 stores business failures
// too), never change or drop a row there.

// answerKind is the error body a case must get.
type answerKind int

const (
	answerFromPath answerKind = iota // /_mock → control body; token routes → Entra; HEAD → none; else Partner Center
	answerPC                         // {"code","description","data":[],"source":"PartnerFD"}
	answerMock                       // the same with "source":"mocksandbox"
	answerEntra                      // {"error","error_description":"AADSTS…","error_codes",…}
	answerNone                       // HEAD
)

// badCase is one malformed request and what it must get.
type badCase struct {
	name    string
	method  string
	path    string            // path and query as sent
	auth    string            // bearer token; "" the default fixture token; "-" none
	headers map[string]string // over the Java SDK's headers; "" removes one
	body    []byte
	status  int // the exact status wanted (0: any 4xx)
	code    int // the Partner Center code, or the AADSTS code on Entra bodies (0: any)
	answer  answerKind
}

const badNoAuth = "-"

// badState is what a corpus run compares before and after each case.
type badState struct {
	tables map[string]badTableSum
}

type badTableSum struct {
	rows   int
	digest string
	each   []string
}

func (m *mock) badState() badState {
	m.t.Helper()
	sums, err := m.store.Checksum(context.Background())
	if err != nil {
		m.t.Fatalf("checksum: %v", err)
	}
	st := badState{tables: map[string]badTableSum{}}
	for name, s := range sums {
		st.tables[name] = badTableSum{rows: s.Rows, digest: s.Digest, each: s.RowDigests}
	}
	return st
}

// unchangedSince reports how the state differs from before: "" when every
// table is as it was, except for rows added to the idempotency table.
func (st badState) unchangedSince(before badState) string {
	var diffs []string
	for name, b := range before.tables {
		a, ok := st.tables[name]
		switch {
		case !ok:
			diffs = append(diffs, name+" is gone")
		case name == "idempotency":
			for _, row := range b.each {
				if _, found := slices.BinarySearch(a.each, row); !found {
					diffs = append(diffs, "a stored idempotency row changed or vanished")
					break
				}
			}
		case a.digest != b.digest:
			diffs = append(diffs, fmt.Sprintf("%s changed (%d → %d rows)", name, b.rows, a.rows))
		}
	}
	for name := range st.tables {
		if _, ok := before.tables[name]; !ok {
			diffs = append(diffs, "new table "+name)
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}

// runBadCorpus sends every case to m and checks each answer and the state
// after it. It returns how many cases ran.
func runBadCorpus(t *testing.T, m *mock, admin string, cases []badCase) int {
	t.Helper()
	before := m.badState()
	faultsBefore := m.do(call{method: "GET", path: "/_mock/faults", headers: badAdminHeader(admin)})
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("two cases are named %q", c.name)
		}
		names[c.name] = true
		token := c.auth
		switch token {
		case "":
			token = defaultToken
		case badNoAuth:
			token = ""
		}
		r := m.do(call{method: c.method, path: c.path, token: token, body: c.body, headers: c.headers})
		checkBadAnswer(t, c, r)
		if h := m.do(call{method: "GET", path: "/_mock/health"}); h.status != http.StatusOK {
			t.Fatalf("%s: the server is down afterwards: /_mock/health answered %d", c.name, h.status)
		}
		if diff := m.badState().unchangedSince(before); diff != "" {
			t.Errorf("%s: the state changed: %s", c.name, diff)
			before = m.badState() // report each culprit once
		}
	}
	if f := m.do(call{method: "GET", path: "/_mock/faults", headers: badAdminHeader(admin)}); f.status != http.StatusOK || string(f.body) != string(faultsBefore.body) {
		t.Errorf("the fault rules changed: %s, was %s", f.body, faultsBefore.body)
	}
	return len(cases)
}

// badAdminHeader is the Authorization the control routes need ("" when
// the mock has no admin token).
func badAdminHeader(admin string) map[string]string {
	if admin == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + admin}
}

// checkBadAnswer checks one case's answer: a 4xx (the exact one when the
// case names it) with the error body of its route.
func checkBadAnswer(t *testing.T, c badCase, r reply) {
	t.Helper()
	if r.status < 400 || r.status > 499 {
		t.Errorf("%s: %s %.120q answered %d, want a 4xx: %.300s", c.name, c.method, c.path, r.status, r.body)
		return
	}
	if c.status != 0 && r.status != c.status {
		t.Errorf("%s: status %d, want %d: %.300s", c.name, r.status, c.status, r.body)
	}
	kind := c.answer
	canonical := badCollapseSlashes(c.path)
	if kind == answerFromPath {
		switch {
		case c.method == http.MethodHead:
			kind = answerNone
		case strings.HasPrefix(canonical, "/_mock"):
			kind = answerMock
		case strings.Contains(canonical, "/oauth2/") || strings.Contains(canonical, "/.well-known/"):
			kind = answerEntra
		default:
			kind = answerPC
		}
	}
	if strings.HasPrefix(strings.ToLower(canonical), "/v1/") {
		for _, h := range []string{"MS-RequestId", "MS-CorrelationId", "MS-CV", "MS-ServerId", "Date", "X-Mocksandbox-Version"} {
			if r.header.Get(h) == "" {
				t.Errorf("%s: the answer lacks %s", c.name, h)
			}
		}
	}
	if kind == answerNone {
		if len(r.body) != 0 {
			t.Errorf("%s: a HEAD answer has a body: %q", c.name, r.body)
		}
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: Content-Type %q: %.200s", c.name, ct, r.body)
		return
	}
	switch kind {
	case answerPC, answerMock:
		var e struct {
			Code        *int            `json:"code"`
			Description string          `json:"description"`
			Data        json.RawMessage `json:"data"`
			Source      string          `json:"source"`
		}
		source := map[answerKind]string{answerPC: "PartnerFD", answerMock: "mocksandbox"}[kind]
		if err := json.Unmarshal(r.body, &e); err != nil || e.Code == nil || e.Description == "" || string(e.Data) != "[]" || e.Source != source {
			t.Errorf("%s: not a Partner Center error body with source %s: %.300s", c.name, source, r.body)
			return
		}
		if c.code != 0 && *e.Code != c.code {
			t.Errorf("%s: code %d, want %d: %.300s", c.name, *e.Code, c.code, r.body)
		}
		if r.status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: a 401 without WWW-Authenticate: Bearer", c.name)
		}
	case answerEntra:
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			Codes       []int  `json:"error_codes"`
			Timestamp   string `json:"timestamp"`
			TraceID     string `json:"trace_id"`
			Correlation string `json:"correlation_id"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" || !strings.HasPrefix(e.Description, "AADSTS") ||
			len(e.Codes) == 0 || e.Timestamp == "" || e.TraceID == "" || e.Correlation == "" {
			t.Errorf("%s: not an Entra error body: %.300s", c.name, r.body)
			return
		}
		if c.code != 0 && e.Codes[0] != c.code {
			t.Errorf("%s: AADSTS%d, want AADSTS%d: %.300s", c.name, e.Codes[0], c.code, r.body)
		}
	}
}

func badCollapseSlashes(p string) string {
	p, _, _ = strings.Cut(p, "?")
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// ---- building bodies ----

func badJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// badEdit decodes a JSON object, applies edits and encodes it again.
func badEdit(base []byte, edits ...func(map[string]any)) []byte {
	var v map[string]any
	if err := json.Unmarshal(base, &v); err != nil {
		panic(err)
	}
	for _, e := range edits {
		e(v)
	}
	return badJSON(v)
}

// badSet puts v at a dotted path of objects ("tenant.domainPrefix").
func badSet(path string, v any) func(map[string]any) {
	return func(m map[string]any) {
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = v
	}
}

// badDel removes the property at a dotted path.
func badDel(path string) func(map[string]any) {
	return func(m map[string]any) {
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		delete(m, keys[len(keys)-1])
	}
}

// badWithRaw adds "key": raw (any bytes) as the first property of a JSON object.
func badWithRaw(body []byte, key, raw string) []byte {
	return []byte(`{"` + key + `":` + raw + `,` + string(body[1:]))
}

// badNested is n levels of arrays around a number.
func badNested(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }

// badNestedObjects is n levels of objects around a number.
func badNestedObjects(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }

func badFilterQuery(v string) string { return url.QueryEscape(v) }

// ---- the corpus ----

// badFixture is what the corpus needs to exist before it runs.
type badFixture struct {
	resellerID, busyResellerID   string // a reseller without / with customers
	resellerRequestID            string // MS-RequestId of the first reseller create
	customerID, resellerCustomer string
	otherReseller, otherCustomer string // of another account
	createRequestID              string // MS-RequestId of the customer create
	continuation, otherContToken string
	appToken, userToken, refresh string // mock JWTs from the local Entra
	seller                       signedInReseller
	orderID, subscriptionID      string // of customerID
	cartID, orderedCartID        string // of customerID: active, checked out
}

// badOrderBody is a valid one-line order of a legacy offer.
func badOrderBody(customerID string) []byte {
	return []byte(`{"referenceCustomerId":"` + customerID + `","billingCycle":"monthly","lineItems":[{"lineItemNumber":0,` +
		`"offerId":"031C9E47-4802-4248-838E-778FB1D2CC05","quantity":5,"friendlyName":"bad input"}]}`)
}

// badCartBody is a valid one-line cart of an NCE offer.
func badCartBody() []byte {
	return []byte(`{"lineItems":[{"id":0,"catalogItemId":"CFQ7TTC0LH18:0001:CFQ7TTC0K971","quantity":2,"billingCycle":"monthly","termDuration":"P1M"}]}`)
}

const badOtherToken = "badinput-other-account"

func setUpBadCorpus(t *testing.T, m *mock) badFixture {
	t.Helper()
	var f badFixture
	f.resellerRequestID = uuid.NewString()
	r := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: defaultToken, body: resellerBody(t, "badinputidle"),
		headers: map[string]string{"MS-RequestId": f.resellerRequestID}})
	if r.status != http.StatusCreated {
		t.Fatalf("create reseller: %d %s", r.status, r.body)
	}
	f.resellerID = r.json()["accountId"].(string)
	f.busyResellerID = m.mustCreateReseller(defaultToken, "badinputbusy")
	f.createRequestID = uuid.NewString()
	r = m.do(call{method: "POST", path: "/v1/customers", token: defaultToken, body: javaCustomerBody("badinput-direct.example.com", ""),
		headers: map[string]string{"MS-RequestId": f.createRequestID}})
	if r.status != http.StatusCreated {
		t.Fatalf("create customer: %d %s", r.status, r.body)
	}
	f.customerID = r.json()["id"].(string)
	f.resellerCustomer = m.mustCreateCustomer(defaultToken, "badinput-of-reseller.example.com", f.busyResellerID)
	f.otherReseller = m.mustCreateReseller(badOtherToken, "badinputother")
	f.otherCustomer = m.mustCreateCustomer(badOtherToken, "badinput-other1.example.com", "")
	m.mustCreateCustomer(badOtherToken, "badinput-other2.example.com", "")
	page := func(token string) string {
		r := m.do(call{method: "GET", path: "/v1/customers?size=1", token: token})
		tok, _ := r.json()["continuationToken"].(string)
		if r.status != http.StatusOK || tok == "" {
			t.Fatalf("no continuation token: %d %s", r.status, r.body)
		}
		return tok
	}
	f.continuation, f.otherContToken = page(defaultToken), page(badOtherToken)
	r = m.postForm("/"+defaultAcct+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey}}, nil)
	f.appToken, _ = r.json()["access_token"].(string)
	r = m.postForm("/common/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {defaultApp}, "username": {defaultUser}, "password": {defaultPass}}, nil)
	f.userToken, _ = r.json()["access_token"].(string)
	f.refresh, _ = r.json()["refresh_token"].(string)
	if f.appToken == "" || f.userToken == "" || f.refresh == "" {
		t.Fatalf("no tokens from the local Entra: %s", r.body)
	}
	f.seller = signInReseller(t, m, defaultToken, "badinputseller")
	r = m.do(call{method: "POST", path: "/v1/customers/" + f.customerID + "/orders", token: defaultToken, body: badOrderBody(f.customerID)})
	if r.status != http.StatusCreated {
		t.Fatalf("create order: %d %s", r.status, r.body)
	}
	f.orderID = r.json()["id"].(string)
	f.subscriptionID = r.json()["lineItems"].([]any)[0].(map[string]any)["subscriptionId"].(string)
	for _, id := range []*string{&f.cartID, &f.orderedCartID} {
		r = m.do(call{method: "POST", path: "/v1/customers/" + f.customerID + "/carts", token: defaultToken, body: badCartBody()})
		if r.status != http.StatusCreated {
			t.Fatalf("create cart: %d %s", r.status, r.body)
		}
		*id = r.json()["id"].(string)
	}
	r = m.do(call{method: "POST", path: "/v1/customers/" + f.customerID + "/carts/" + f.orderedCartID + "/checkout", token: defaultToken})
	if r.status != http.StatusCreated || len(r.json()["orders"].([]any)) != 1 {
		t.Fatalf("checkout: %d %s", r.status, r.body)
	}
	return f
}

// badAlter changes one character in the middle of s (never a '.', so a JWT
// keeps its three parts and stays "a mock token that does not verify").
func badAlter(s string) string {
	b := []byte(s)
	i := len(b) / 2
	for b[i] == '.' {
		i++
	}
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// badForgeClaims re-signs nothing: it swaps a JWT's claims for others.
func badForgeClaims(token string, badEdit func(map[string]any)) string {
	parts := strings.Split(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	json.Unmarshal(raw, &c)
	badEdit(c)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(badJSON(c)) + "." + parts[2]
}

// badNoneAlg is the token with its header's alg badSet to "none" and no signature.
func badNoneAlg(token string) string {
	parts := strings.Split(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	json.Unmarshal(raw, &h)
	h["alg"] = "none"
	return base64.RawURLEncoding.EncodeToString(badJSON(h)) + "." + parts[1] + "."
}

var badInjections = []string{
	`' OR '1'='1`,
	`1; DROP TABLE customers;--`,
	`"); DELETE FROM resellers; --`,
	`../../../../etc/passwd`,
	`..\..\windows\win.ini`,
	`<script>alert(1)</script>`,
	`${jndi:ldap://x/a}`,
	`%s%s%s%n`,
}

func badCorpus(t *testing.T, f badFixture) []badCase {
	var cs []badCase
	add := func(c ...badCase) { cs = append(cs, c...) }
	big := strings.Repeat("x", 100<<10) // 100 KiB
	huge := []byte(`{"x":"` + strings.Repeat("y", 1<<20) + `"}`)
	guid := func() map[string]string {
		return map[string]string{"MS-RequestId": uuid.NewString(), "MS-CorrelationId": uuid.NewString()}
	}

	// ---- POST /v1/sandboxIndirectReseller ----
	okReseller := resellerBody(t, "badinputok")
	res := func(name string, body []byte, status, code int) {
		add(badCase{name: "reseller create: " + name, method: "POST", path: "/v1/sandboxIndirectReseller", body: body, status: status, code: code})
	}
	for name, body := range map[string]string{
		"empty body": "", "null": "null", "an array": "[]", "a string": `"mpnId"`, "a number": "6363276", "true": "true",
		"truncated object": `{`, "truncated member": `{"mpnId": "6363276"`, "two objects": `{} {}`,
		"a trailing comma": `{"mpnId": "6363276",}`, "single quotes": `{'mpnId': '6363276'}`, "a comment": `{/* c */}`,
		"NaN": `{"mpnId": NaN}`, "unquoted key": `{mpnId: "1"}`, "a BOM": "\xef\xbb\xbf{}", "raw invalid UTF-8": "{\"mpnId\": \xff}",
		"a NUL byte": "{\"mpnId\"\x00: \"1\"}", "only spaces": "   ", "form body": "mpnId=6363276&tenant=x",
		"XML": `<reseller><mpnId>6363276</mpnId></reseller>`, "a bare key": `{"mpnId"}`, "a lone surrogate key": `{"\ud800": 1}`,
	} {
		res(name, []byte(body), 400, 800002)
	}
	for _, e := range []struct {
		name string
		edit func(map[string]any)
	}{
		{"mpnId a number", badSet("mpnId", 6363276)},
		{"mpnId null", badSet("mpnId", nil)},
		{"mpnId empty", badSet("mpnId", "")},
		{"mpnId letters", badSet("mpnId", "abc")},
		{"mpnId 11 digits", badSet("mpnId", "12345678901")},
		{"mpnId negative", badSet("mpnId", "-1")},
		{"mpnId an object", badSet("mpnId", map[string]any{"id": "1"})},
		{"mpnId an array", badSet("mpnId", []any{"6363276"})},
		{"mpnId 1e999", badSet("mpnId", json.Number("1e999"))},
		{"mpnId and partnerId differ", badSet("partnerId", "1111111")},
		{"partnerId a number", badSet("partnerId", 6363276)},
		{"tenant missing", badDel("tenant")},
		{"tenant null", badSet("tenant", nil)},
		{"tenant a string", badSet("tenant", "contoso")},
		{"tenant an array", badSet("tenant", []any{})},
		{"domainPrefix missing", badDel("tenant.domainPrefix")},
		{"domainPrefix 28 characters", badSet("tenant.domainPrefix", strings.Repeat("a", 28))},
		{"domainPrefix with a dash", badSet("tenant.domainPrefix", "bad-prefix")},
		{"domainPrefix with a dot", badSet("tenant.domainPrefix", "bad.prefix")},
		{"domainPrefix 300 characters", badSet("tenant.domainPrefix", strings.Repeat("a", 300))},
		{"domainPrefix 100 KiB", badSet("tenant.domainPrefix", big)},
		{"domainPrefix a NUL", badSet("tenant.domainPrefix", "bad\x00prefix")},
		{"domainPrefix non-ASCII letters", badSet("tenant.domainPrefix", "café")},
		{"domainPrefix invalid UTF-8", badSet("tenant.domainPrefix", "bad\xff\xfe")},
		{"domainPrefix spaces", badSet("tenant.domainPrefix", "   ")},
		{"domainPrefix a number", badSet("tenant.domainPrefix", 12345)},
		{"name missing", badDel("tenant.name")},
		{"displayName a boolean", badSet("tenant.displayName", true)},
		{"adminUserName with @", badSet("tenant.adminUserName", "admin@contoso.com")},
		{"adminUserName 65 characters", badSet("tenant.adminUserName", strings.Repeat("a", 65))},
		{"adminFirstName empty", badSet("tenant.adminFirstName", "")},
		{"adminLastName null", badSet("tenant.adminLastName", nil)},
		{"adminAlternateEmail not an email", badSet("tenant.adminAlternateEmail", "nope")},
		{"adminAlternateEmail without a dot", badSet("tenant.adminAlternateEmail", "a@b")},
		{"country three letters", badSet("tenant.country", "USA")},
		{"country digits", badSet("tenant.country", "12")},
		{"country a number", badSet("tenant.country", 1)},
		{"culture an object", badSet("tenant.culture", map[string]any{})},
		{"legalBusinessProfile missing", badDel("legalBusinessProfile")},
		{"legalBusinessProfile an array", badSet("legalBusinessProfile", []any{1})},
		{"companyName missing", badDel("legalBusinessProfile.companyName")},
		{"address missing", badDel("legalBusinessProfile.address")},
		{"address country invalid", badSet("legalBusinessProfile.address.country", "France")},
		{"address city missing", badDel("legalBusinessProfile.address.city")},
		{"address state a number", badSet("legalBusinessProfile.address.state", 7)},
		{"address line 2 too long", badSet("legalBusinessProfile.address.addressLine2", strings.Repeat("z", 257))},
		{"primaryContact missing", badDel("legalBusinessProfile.primaryContact")},
		{"primaryContact email invalid", badSet("legalBusinessProfile.primaryContact.email", "@")},
		{"primaryContact phone an array", badSet("legalBusinessProfile.primaryContact.phoneNumber", []any{"1"})},
		{"legal culture missing", badDel("legalBusinessProfile.culture")},
		{"organizationProfileLanguage missing", badDel("organizationProfileLanguage")},
		{"organizationProfileLanguage a number", badSet("organizationProfileLanguage", 1)},
		{"organizationProfileLanguage empty", badSet("organizationProfileLanguage", "")},
		{"organizationProfileLanguage an object without language", badSet("organizationProfileLanguage", map[string]any{"lang": "en"})},
		{"organizationProfileLanguage an array", badSet("organizationProfileLanguage", []any{"en"})},
	} {
		res(e.name, badEdit(okReseller, e.edit), 400, 800002)
	}
	for i, s := range badInjections {
		res(fmt.Sprintf("domainPrefix injection %d", i), badEdit(okReseller, badSet("tenant.domainPrefix", s)), 400, 800002)
		res(fmt.Sprintf("mpnId injection %d", i), badEdit(okReseller, badSet("mpnId", s)), 400, 800002)
	}
	res("domainPrefix taken by the account", badEdit(okReseller, badSet("tenant.domainPrefix", "contososandbox")), 409, 1003)
	res("domainPrefix taken by a live reseller", badEdit(okReseller, badSet("tenant.domainPrefix", "BADINPUTIDLE")), 409, 1003)
	res("two names differing in case", badWithRaw(okReseller, "MPNID", `"6363276"`), 400, 800002)
	res("65 levels of nesting in an ignored property", badWithRaw(okReseller, "attributes", badNested(64)), 400, 800002)
	res("65 levels of objects in an ignored property", badWithRaw(okReseller, "extra", badNestedObjects(64)), 400, 800002)
	res("10,001 levels of nesting", badWithRaw(okReseller, "attributes", badNested(10001)), 400, 800002)
	res("100,000 open brackets", []byte(strings.Repeat("[", 100000)), 400, 800002)
	res("a body over 1 MiB", huge, 413, 800002)
	res("a huge body that is otherwise valid", badWithRaw(okReseller, "padding", `"`+strings.Repeat("p", 1<<20)+`"`), 413, 800002)
	add(
		badCase{name: "reseller create: no MS-RequestId", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-RequestId": ""}, status: 400, code: 800002},
		badCase{name: "reseller create: MS-RequestId not a GUID", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-RequestId": "abc"}, status: 400, code: 800002},
		badCase{name: "reseller create: MS-RequestId in braces", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-RequestId": "{" + uuid.NewString() + "}"}, status: 400, code: 800002},
		badCase{name: "reseller create: MS-RequestId an injection", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-RequestId": badInjections[1]}, status: 400, code: 800002},
		badCase{name: "reseller create: MS-RequestId 200 characters", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-RequestId": strings.Repeat("9", 200)}, status: 400, code: 800002},
		badCase{name: "reseller create: no MS-CorrelationId", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-CorrelationId": ""}, status: 400, code: 800002},
		badCase{name: "reseller create: MS-CorrelationId a URN", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"MS-CorrelationId": "urn:uuid:" + uuid.NewString()}, status: 400, code: 800002},
		badCase{name: "reseller create: no bearer", method: "POST", path: "/v1/sandboxIndirectReseller", auth: badNoAuth, body: okReseller, status: 401, code: 800001},
		badCase{name: "reseller create: Basic credentials", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"Authorization": "Basic YTpi"}, status: 401, code: 800001},
		badCase{name: "reseller create: an empty bearer", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"Authorization": "Bearer    "}, status: 401, code: 800001},
		badCase{name: "reseller create: a bearer scheme alone", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller, headers: map[string]string{"Authorization": "Bearer"}, status: 401, code: 800001},
		badCase{name: "reseller create: an altered signature", method: "POST", path: "/v1/sandboxIndirectReseller", auth: f.userToken[:len(f.userToken)-4] + "AAAA", body: okReseller, status: 401, code: 800001},
		badCase{name: "reseller create: altered claims", method: "POST", path: "/v1/sandboxIndirectReseller", auth: badForgeClaims(f.userToken, func(c map[string]any) { c["tid"] = "a1a1a1a1-0000-4000-8000-000000000001" }), body: okReseller, status: 401, code: 800001},
		badCase{name: "reseller create: a later expiry", method: "POST", path: "/v1/sandboxIndirectReseller", auth: badForgeClaims(f.userToken, func(c map[string]any) { c["exp"] = 4102444800 }), body: okReseller, status: 401, code: 800001},
		badCase{name: "reseller create: alg none", method: "POST", path: "/v1/sandboxIndirectReseller", auth: badNoneAlg(f.userToken), body: okReseller, status: 401, code: 800001},
		badCase{name: "reseller create: a refresh token as bearer", method: "POST", path: "/v1/sandboxIndirectReseller", auth: f.refresh, body: okReseller, status: 401, code: 800001},
		badCase{name: "reseller create: an app-only token", method: "POST", path: "/v1/sandboxIndirectReseller", auth: appOnlyToken, body: okReseller, status: 403, code: 900329},
		badCase{name: "reseller create: an app-only mock JWT", method: "POST", path: "/v1/sandboxIndirectReseller", auth: f.appToken, body: okReseller, status: 403, code: 900329},
		badCase{name: "reseller create: a primary account", method: "POST", path: "/v1/sandboxIndirectReseller", auth: primaryToken, body: okReseller, status: 401, code: 6002},
		badCase{name: "reseller create: reused MS-RequestId with another (valid) body", method: "POST", path: "/v1/sandboxIndirectReseller", body: okReseller,
			headers: map[string]string{"MS-RequestId": f.resellerRequestID, "MS-CorrelationId": uuid.NewString()}, status: 400, code: 800002},
		badCase{name: "reseller create: the customer create's MS-RequestId on another route with a bad body", method: "POST", path: "/v1/sandboxIndirectReseller",
			body: badEdit(okReseller, badSet("tenant.country", "XYZ")), headers: map[string]string{"MS-RequestId": f.createRequestID}, status: 400, code: 800002},
		badCase{name: "reseller create: PUT", method: "PUT", path: "/v1/sandboxIndirectReseller", body: okReseller, status: 405, code: 800002},
		badCase{name: "reseller create: GET", method: "GET", path: "/v1/sandboxIndirectReseller", status: 405, code: 800002},
		badCase{name: "reseller create: POST to an id", method: "POST", path: "/v1/sandboxIndirectReseller/" + f.resellerID, body: okReseller, headers: guid(), status: 405, code: 800002},
	)

	// ---- DELETE /v1/sandboxIndirectReseller/{id} ----
	delRes := func(name, id string, status, code int, extra ...func(*badCase)) {
		c := badCase{name: "reseller delete: " + name, method: "DELETE", path: "/v1/sandboxIndirectReseller/" + id, headers: guid(), status: status, code: code}
		for _, e := range extra {
			e(&c)
		}
		add(c)
	}
	delRes("not a GUID", "abc", 404, 60003)
	delRes("an unknown GUID", uuid.NewString(), 404, 60003)
	delRes("the nil GUID", "00000000-0000-0000-0000-000000000000", 404, 60003)
	delRes("another account's reseller", f.otherReseller, 404, 60003)
	delRes("a reseller with customers", f.busyResellerID, 403, 6003)
	delRes("a customer's id", f.customerID, 404, 60003)
	delRes("dot-dot", "..", 404, 60003)
	delRes("dot", ".", 404, 60003)
	delRes("a NUL", "%00", 404, 60003)
	delRes("an escaped slash", "a%2Fb", 404, 60003)
	delRes("an escaped traversal", "..%2F..%2Fetc%2Fpasswd", 404, 60003)
	delRes("10 KiB", strings.Repeat("f", 10<<10), 404, 60003)
	delRes("a GUID with trailing junk", f.resellerID+"x", 404, 60003)
	for i, s := range badInjections {
		delRes(fmt.Sprintf("injection %d", i), url.PathEscape(s), 404, 60003)
	}
	delRes("no MS-RequestId", f.resellerID, 400, 800002, func(c *badCase) { c.headers = map[string]string{"MS-RequestId": ""} })
	delRes("MS-CorrelationId not a GUID", f.resellerID, 400, 800002, func(c *badCase) { c.headers = map[string]string{"MS-CorrelationId": "corr"} })
	delRes("no bearer", f.resellerID, 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	delRes("a primary account", f.resellerID, 401, 6002, func(c *badCase) { c.auth = primaryToken })
	delRes("an app-only token", f.resellerID, 403, 900329, func(c *badCase) { c.auth = appOnlyToken })
	delRes("a forged token", f.resellerID, 401, 800001, func(c *badCase) { c.auth = badAlter(f.userToken) })
	delRes("an unknown id with a garbage body", uuid.NewString(), 404, 60003, func(c *badCase) { c.body = []byte("{{{{") })
	add(badCase{name: "reseller delete: no id (the trailing slash is ignored)", method: "DELETE", path: "/v1/sandboxIndirectReseller/", headers: guid(), status: 405, code: 800002})
	add(badCase{name: "reseller delete: two segments", method: "DELETE", path: "/v1/sandboxIndirectReseller/" + f.resellerID + "/x", headers: guid(), status: 404, code: 1000})

	// ---- GET /v1/relationships ----
	rel := func(name, query string, status, code int, auth ...string) {
		c := badCase{name: "relationships: " + name, method: "GET", path: "/v1/relationships" + query, status: status, code: code}
		if len(auth) > 0 {
			c.auth = auth[0]
		}
		add(c)
	}
	rel("an unknown type", "?relationship_type=Bogus", 400, 800002)
	rel("a NUL type", "?relationship_type=%00", 400, 800002)
	rel("a long type", "?relationship_type="+strings.Repeat("a", 5000), 400, 800002)
	for i, s := range badInjections {
		rel(fmt.Sprintf("type injection %d", i), "?relationship_type="+url.QueryEscape(s), 400, 800002)
	}
	for name, filter := range map[string]string{
		"not JSON": "name", "JSON null": "null", "a JSON array": "[]", "a JSON string": `"Name"`, "truncated": `{"Field":"Name"`,
		"an unknown field":    `{"Field":"Country","Value":"US","Operator":"starts_with"}`,
		"an unknown operator": `{"Field":"Name","Value":"C","Operator":"equals"}`,
		"no operator":         `{"Field":"Name","Value":"C"}`, "a number value": `{"Field":"Name","Value":5,"Operator":"starts_with"}`,
		"a number field": `{"Field":1,"Value":"C","Operator":"starts_with"}`, "an array operator": `{"Field":"Name","Value":"C","Operator":["starts_with"]}`,
		"two cases of one key": `{"Field":"Name","field":"Name","Value":"C","Operator":"starts_with"}`,
		"deep nesting":         `{"Field":"Name","Value":"C","Operator":"starts_with","x":` + badNested(80) + `}`,
		"a long value":         `{"Field":"Name","Value":"` + strings.Repeat("v", 300) + `","Operator":"starts_with"}`,
		"invalid UTF-8":        "{\"Field\":\"Name\",\"Value\":\"\xff\",\"Operator\":\"x\xfe\"}",
	} {
		rel("filter "+name, "?filter="+badFilterQuery(filter), 400, 800002)
	}
	rel("an app-only token", "?relationship_type=IsIndirectCloudSolutionProviderOf", 403, 900329, appOnlyToken)
	rel("no bearer", "", 401, 800001, badNoAuth)
	rel("a forged token", "", 401, 800001, badAlter(f.userToken))
	add(badCase{name: "relationships: POST", method: "POST", path: "/v1/relationships", body: []byte("{}"), status: 405, code: 800002})
	add(badCase{name: "relationships: DELETE", method: "DELETE", path: "/v1/relationships", status: 405, code: 800002})

	// ---- POST /v1/customers ----
	okCustomer := javaCustomerBody("badinput-ok.example.com", "")
	cust := func(name string, body []byte, status, code int, auth ...string) {
		c := badCase{name: "customer create: " + name, method: "POST", path: "/v1/customers", body: body, status: status, code: code}
		if len(auth) > 0 {
			c.auth = auth[0]
		}
		add(c)
	}
	for name, body := range map[string]string{
		"empty body": "", "null": "null", "an array": "[1,2]", "a string": `"customer"`, "truncated": `{"companyProfile":{"domain":"a.com"`,
		"garbage": "\x00\x01\x02", "two objects": `{}{}`, "an empty object": `{}`,
	} {
		cust(name, []byte(body), 400, 800002)
	}
	for _, e := range []struct {
		name string
		edit func(map[string]any)
	}{
		{"companyProfile missing", badDel("companyProfile")},
		{"companyProfile a string", badSet("companyProfile", "contoso.com")},
		{"domain missing", badDel("companyProfile.domain")},
		{"domain null", badSet("companyProfile.domain", nil)},
		{"domain a number", badSet("companyProfile.domain", 42)},
		{"domain one label", badSet("companyProfile.domain", "localhost")},
		{"domain a leading dash", badSet("companyProfile.domain", "-bad.example.com")},
		{"domain a trailing dash", badSet("companyProfile.domain", "bad-.example.com")},
		{"domain an empty label", badSet("companyProfile.domain", "bad..example.com")},
		{"domain a trailing dot", badSet("companyProfile.domain", "bad.example.com.")},
		{"domain a 64-character label", badSet("companyProfile.domain", strings.Repeat("a", 64)+".com")},
		{"domain 254 characters", badSet("companyProfile.domain", strings.Repeat(strings.Repeat("a", 62)+".", 4)+"ab")},
		{"domain an underscore", badSet("companyProfile.domain", "bad_name.example.com")},
		{"domain non-ASCII", badSet("companyProfile.domain", "exämple.com")},
		{"domain invalid UTF-8", badSet("companyProfile.domain", "bad\xff.example.com")},
		{"domain a space", badSet("companyProfile.domain", "bad name.example.com")},
		{"domain a URL", badSet("companyProfile.domain", "http://example.com/")},
		{"domain 100 KiB", badSet("companyProfile.domain", big)},
		{"domain the account's own", badSet("companyProfile.domain", "ContosoSandbox.onmicrosoft.com")},
		{"domain an existing customer's", badSet("companyProfile.domain", "BADINPUT-DIRECT.example.com")},
		{"domain another account's customer's", badSet("companyProfile.domain", "badinput-other1.example.com")},
		{"domain a reseller's", badSet("companyProfile.domain", "badinputidle.onmicrosoft.com")},
		{"billingProfile missing", badDel("billingProfile")},
		{"billingProfile an array", badSet("billingProfile", []any{})},
		{"email invalid", badSet("billingProfile.email", "admin")},
		{"email a number", badSet("billingProfile.email", 1)},
		{"culture a word", badSet("billingProfile.culture", "english")},
		{"culture empty", badSet("billingProfile.culture", "")},
		{"language one letter", badSet("billingProfile.language", "e")},
		{"language a boolean", badSet("billingProfile.language", false)},
		{"companyName missing", badDel("billingProfile.companyName")},
		{"companyName 257 characters", badSet("billingProfile.companyName", strings.Repeat("c", 257))},
		{"companyName spaces", badSet("billingProfile.companyName", "  \t ")},
		{"defaultAddress missing", badDel("billingProfile.defaultAddress")},
		{"defaultAddress a string", badSet("billingProfile.defaultAddress", "1 Microsoft Way")},
		{"address country USA", badSet("billingProfile.defaultAddress.country", "USA")},
		{"address firstName missing", badDel("billingProfile.defaultAddress.firstName")},
		{"address postalCode a number", badSet("billingProfile.defaultAddress.postalCode", 98052)},
		{"address state a number", badSet("billingProfile.defaultAddress.state", 1)},
		{"address phoneNumber an object", badSet("billingProfile.defaultAddress.phoneNumber", map[string]any{})},
		{"associatedPartnerId a number", badSet("associatedPartnerId", 1)},
		{"associatedPartnerId an object", badSet("associatedPartnerId", map[string]any{"id": f.resellerID})},
		{"associatedPartnerId unknown", badSet("associatedPartnerId", uuid.NewString())},
		{"associatedPartnerId not a GUID", badSet("associatedPartnerId", "reseller")},
		{"associatedPartnerId another account's reseller", badSet("associatedPartnerId", f.otherReseller)},
		{"associatedPartnerId a customer", badSet("associatedPartnerId", f.customerID)},
		{"associatedPartnerId 300 characters", badSet("associatedPartnerId", strings.Repeat("r", 300))},
	} {
		status, code := 400, 800002
		switch {
		case strings.HasPrefix(e.name, "domain the") || strings.HasPrefix(e.name, "domain an existing") ||
			strings.HasPrefix(e.name, "domain another") || strings.HasPrefix(e.name, "domain a reseller"):
			status, code = 409, 1003
		case strings.HasPrefix(e.name, "associatedPartnerId") && !strings.Contains(e.name, "a number") &&
			!strings.Contains(e.name, "an object") && !strings.Contains(e.name, "300"):
			code = 800016
		}
		cust(e.name, badEdit(okCustomer, e.edit), status, code)
	}
	for i, s := range badInjections {
		cust(fmt.Sprintf("domain injection %d", i), badEdit(okCustomer, badSet("companyProfile.domain", s)), 400, 800002)
		cust(fmt.Sprintf("associatedPartnerId injection %d", i), badEdit(okCustomer, badSet("associatedPartnerId", s)), 400, 800016)
	}
	cust("associatedPartnerId with an app-only token", badEdit(okCustomer, badSet("associatedPartnerId", f.resellerID)), 403, 900329, appOnlyToken)
	cust("two names differing in case", badWithRaw(okCustomer, "CompanyProfile", `{"domain":"other.example.com"}`), 400, 800002)
	cust("deep nesting in an ignored property", badWithRaw(okCustomer, "deep", badNestedObjects(65)), 400, 800002)
	cust("a body over 1 MiB", huge, 413, 800002)
	cust("no bearer", okCustomer, 401, 800001, badNoAuth)
	cust("a forged token", okCustomer, 401, 800001, badAlter(f.appToken))
	add(badCase{name: "customer create: reused MS-RequestId with another body", method: "POST", path: "/v1/customers",
		body: okCustomer, headers: map[string]string{"MS-RequestId": f.createRequestID}, status: 400, code: 800002})
	add(badCase{name: "customer create: reused MS-RequestId with PascalCase and another domain", method: "POST", path: "//V1/Customers/",
		body: dotnetCustomerBody("badinput-ok2.example.com", ""), headers: map[string]string{"MS-RequestId": f.createRequestID}, status: 400, code: 800002})
	add(badCase{name: "customers: PUT", method: "PUT", path: "/v1/customers", body: okCustomer, status: 405, code: 800002})

	// ---- GET /v1/customers ----
	list := func(name, query string, status, code int, extra ...func(*badCase)) {
		c := badCase{name: "customer list: " + name, method: "GET", path: "/v1/customers" + query, status: status, code: code}
		for _, e := range extra {
			e(&c)
		}
		add(c)
	}
	for _, size := range []string{"-1", "501", "abc", "1.5", "1e2", "0x10", "99999999999999999999", "%00", "%205", "%E2%80%8B5", "5;", "--1"} {
		list("size "+size, "?size="+size, 400, 800002)
	}
	list("size an injection", "?size="+url.QueryEscape(badInjections[0]), 400, 800002)
	for name, filter := range map[string]string{
		"not JSON": "IndirectReseller", "null": "null", "an array": `[{"Field":"Domain"}]`, "truncated": `{"Field":`,
		"an unknown field":      `{"Field":"Country","Value":"US","Operator":"starts_with"}`,
		"an unknown operator":   `{"Field":"Domain","Value":"a","Operator":"contains"}`,
		"no operator":           `{"Field":"Domain","Value":"a"}`,
		"empty reseller":        `{"Field":"IndirectReseller","Value":"","Operator":"starts_with"}`,
		"a number value":        `{"Field":"Domain","Value":1,"Operator":"starts_with"}`,
		"a boolean field":       `{"Field":true,"Value":"a","Operator":"starts_with"}`,
		"two cases of a key":    `{"Field":"Domain","FIELD":"Domain","Value":"a","Operator":"starts_with"}`,
		"deep nesting":          `{"Field":"Domain","Value":"a","Operator":"starts_with","fieldType":` + badNested(70) + `}`,
		"a 300-character value": `{"Field":"Domain","Value":"` + strings.Repeat("d", 300) + `","Operator":"starts_with"}`,
		"invalid UTF-8":         "{\"Field\":\"Dom\xffain\",\"Value\":\"a\",\"Operator\":\"starts_with\"}",
		"trailing data":         `{"Field":"Domain","Value":"a","Operator":"starts_with"} x`,
	} {
		list("filter "+name, "?filter="+badFilterQuery(filter), 400, 800002)
	}
	list("a reseller filter with an app-only token", "?filter="+badFilterQuery(`{"Field":"IndirectReseller","Value":"`+f.resellerID+`","Operator":"starts_with"}`), 403, 900329,
		func(c *badCase) { c.auth = appOnlyToken })
	seek := func(name, token string, status int, extra ...func(*badCase)) {
		list("continuation "+name, "?size=1&seekOperation=Next", status, 800002, append([]func(*badCase){func(c *badCase) {
			c.headers = map[string]string{"MS-ContinuationToken": token}
		}}, extra...)...)
	}
	payload, mac, _ := strings.Cut(f.continuation, ".")
	rawPayload, _ := base64.RawURLEncoding.DecodeString(payload)
	var cur map[string]any
	json.Unmarshal(rawPayload, &cur)
	reencode := func(badEdit func(map[string]any)) string {
		c := map[string]any{}
		for k, v := range cur {
			c[k] = v
		}
		badEdit(c)
		return base64.RawURLEncoding.EncodeToString(badJSON(c)) + "." + mac
	}
	seek("missing", "", 400)
	seek("garbage", "garbage", 400)
	seek("no dot", payload+mac, 400)
	seek("two dots", f.continuation+".x", 400)
	seek("not base64", "!!!.???", 400)
	seek("altered payload", badAlter(payload)+"."+mac, 400)
	seek("altered MAC", payload+"."+badAlter(mac), 400)
	seek("the MAC dropped", payload+".", 400)
	seek("swapped halves", mac+"."+payload, 400)
	seek("another account's", f.otherContToken, 400)
	seek("another account's payload with this MAC", reencode(func(c map[string]any) { c["a"] = "a1a1a1a1-0000-4000-8000-000000000001" }), 400)
	seek("a rewound position", reencode(func(c map[string]any) { c["p"] = -1 }), 400)
	seek("an added filter", reencode(func(c map[string]any) { c["d"] = "x" }), 400)
	seek("10 KiB", strings.Repeat("A", 10<<10)+"."+mac, 400)
	seek("a JSON payload in clear", `{"a":"`+defaultAcct+`","p":0}.`+mac, 400)
	seek("padded base64", payload+"==."+mac, 400)
	seek("another account's token for its owner's listing", f.continuation, 400, func(c *badCase) { c.auth = badOtherToken })
	list("seekOperation=NEXT with no token header", "?seekOperation=NEXT", 400, 800002)
	list("no bearer", "", 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	list("a bearer of spaces", "", 401, 800001, func(c *badCase) { c.headers = map[string]string{"Authorization": "Bearer \t "} })
	list("a token scheme", "", 401, 800001, func(c *badCase) { c.headers = map[string]string{"Authorization": "Token " + defaultToken} })
	list("an expired-looking forged token", "", 401, 800001, func(c *badCase) {
		c.auth = badForgeClaims(f.appToken, func(c map[string]any) { c["exp"] = 1 })
	})

	// ---- one customer ----
	one := func(name, method, path string, status, code int, extra ...func(*badCase)) {
		c := badCase{name: name, method: method, path: path, status: status, code: code}
		for _, e := range extra {
			e(&c)
		}
		add(c)
	}
	for name, id := range map[string]string{
		"not a GUID": "abc", "unknown": uuid.NewString(), "another account's": f.otherCustomer, "a reseller's id": f.resellerID,
		"dot-dot": "..", "a NUL": "%00", "10 KiB": strings.Repeat("c", 10<<10), "an injection": url.PathEscape(badInjections[1]),
		"a traversal": "..%2F..%2Fetc%2Fpasswd", "braces": "%7B" + f.customerID + "%7D",
	} {
		one("customer get: "+name, "GET", "/v1/customers/"+id, 404, 60003)
		one("company profile: "+name, "GET", "/v1/customers/"+id+"/profiles/company", 404, 60003)
		one("billing profile: "+name, "GET", "/v1/customers/"+id+"/profiles/billing", 404, 60003)
		one("customer relationships: "+name, "GET", "/v1/customers/"+id+"/relationships", 404, 60003)
		one("customer delete: "+name, "DELETE", "/v1/customers/"+id, 404, 60003)
		one("customer patch: "+name, "PATCH", "/v1/customers/"+id, 404, 60003, func(c *badCase) { c.body = []byte(`{"relationshipToPartner":"none"}`) })
	}
	one("customer get: no bearer", "GET", "/v1/customers/"+f.customerID, 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	one("customer delete: no bearer", "DELETE", "/v1/customers/"+f.customerID, 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	one("customer delete: a forged token", "DELETE", "/v1/customers/"+f.customerID, 401, 800001, func(c *badCase) { c.auth = badAlter(f.userToken) })
	one("customer delete: a primary account", "DELETE", "/v1/customers/"+f.customerID, 404, 60003, func(c *badCase) { c.auth = primaryToken })
	one("customer delete: another account", "DELETE", "/v1/customers/"+f.customerID, 404, 60003, func(c *badCase) { c.auth = badOtherToken })
	one("customer relationships: an app-only token", "GET", "/v1/customers/"+f.resellerCustomer+"/relationships", 403, 900329, func(c *badCase) { c.auth = appOnlyToken })
	one("customer: an unknown sub-route", "GET", "/v1/customers/"+f.customerID+"/profiles/shipping", 404, 1000)
	one("customer: POST", "POST", "/v1/customers/"+f.customerID, 405, 800002, func(c *badCase) { c.body = []byte("{}") })
	one("customer: PUT", "PUT", "/v1/customers/"+f.customerID, 405, 800002, func(c *badCase) { c.body = []byte("{}") })
	for name, body := range map[string]string{
		"empty body": "", "null": "null", "an array": "[]", "malformed": `{"relationshipToPartner":`,
		"relationshipToPartner missing": `{}`, "relationshipToPartner reseller": `{"relationshipToPartner":"reseller"}`,
		"relationshipToPartner a number": `{"relationshipToPartner":0}`, "relationshipToPartner null": `{"relationshipToPartner":null}`,
		"relationshipToPartner an injection": `{"relationshipToPartner":"none' OR '1'='1"}`,
		"two cases of a key":                 `{"relationshipToPartner":"none","RelationshipToPartner":"none"}`,
		"deep nesting":                       `{"relationshipToPartner":"none","attributes":` + badNested(65) + `}`,
		"invalid UTF-8":                      "{\"relationshipToPartner\":\"n\xffone\"}",
	} {
		one("customer patch: "+name, "PATCH", "/v1/customers/"+f.customerID, 400, 800002, func(c *badCase) { c.body = []byte(body) })
	}
	one("customer patch: over 1 MiB", "PATCH", "/v1/customers/"+f.customerID, 413, 800002, func(c *badCase) { c.body = huge })
	one("customer patch: a primary account", "PATCH", "/v1/customers/"+f.customerID, 404, 60003, func(c *badCase) {
		c.auth, c.body = primaryToken, []byte(`{"relationshipToPartner":"none"}`)
	})
	one("relationship requests: a sandbox account", "GET", "/v1/customers/relationshiprequests", 400, 900127)
	one("relationship requests: an app-only token", "GET", "/v1/customers/relationshiprequests", 403, 900329, func(c *badCase) { c.auth = appOnlyToken })
	one("relationship requests: POST", "POST", "/v1/customers/relationshiprequests", 405, 800002, func(c *badCase) { c.body = []byte("{}") })

	// ---- domains ----
	for name, d := range map[string]string{
		"one label": "localhost", "a leading dash": "-a.com", "a 254-character name": strings.Repeat(strings.Repeat("a", 62)+".", 4) + "ab",
		"a NUL": "a%00.com", "an escaped slash": "a%2Fb.com", "an injection": url.PathEscape(badInjections[0]), "a space": "a%20b.com",
		"non-ASCII": "exämple.com", "an empty label": "a..com", "an underscore": "a_b.com",
	} {
		one("domain HEAD: "+name, "HEAD", "/v1/domains/"+d, 400, 0)
		one("domain GET: "+name, "GET", "/v1/domains/"+d, 400, 800002)
	}
	one("domain HEAD: free", "HEAD", "/v1/domains/badinput-free.example.com", 404, 0)
	one("domain GET: free", "GET", "/v1/domains/badinput-free.example.com", 404, 60003)
	one("domain GET: no bearer", "GET", "/v1/domains/contoso.com", 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	one("domain: POST", "POST", "/v1/domains/contoso.com", 405, 800002)
	one("domain: no name", "GET", "/v1/domains", 404, 1000)
	for name, p := range map[string]string{
		"a dash": "bad-prefix", "28 characters": strings.Repeat("p", 28), "a NUL": "a%00", "an injection": url.PathEscape(badInjections[1]),
		"a dot": "a.b", "non-ASCII": "caf%C3%A9", "invalid UTF-8": "a%FF",
	} {
		one("domain availability: "+name, "GET", "/v1/validations/checkdomainavailability/"+p, 400, 800002)
	}
	one("domain availability: no bearer", "GET", "/v1/validations/checkdomainavailability/contoso", 401, 800001, func(c *badCase) { c.auth = badNoAuth })

	// ---- profiles, unknown routes, odd paths ----
	one("organization profile: no bearer", "GET", "/v1/profiles/organization", 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	one("organization profile: a forged token", "GET", "/v1/profiles/organization", 401, 800001, func(c *badCase) { c.auth = badNoneAlg(f.appToken) })
	one("organization profile: PATCH", "PATCH", "/v1/profiles/organization", 405, 800002, func(c *badCase) { c.body = []byte(`{"companyName":"x"}`) })
	for name, p := range map[string]string{
		"v2": "/v2/customers", "v1 alone": "/v1", "the root": "/", "slashes only": "//////", "a traversal": "/v1/customers/../../etc/passwd",
		"escaped dots": "/%2e%2e/%2e%2e/etc/passwd", "a NUL segment": "/v1/%00", "a NUL in a literal": "/v1/customers%00",
		"100 KiB": "/v1/" + strings.Repeat("a", 100<<10), "5,000 segments": strings.Repeat("/a", 5000), ".env": "/.env",
		"a semicolon": "/v1/sandboxIndirectReseller;drop", "non-ASCII": "/v1/c%C3%BCstomers", "a backslash": "/v1%5Ccustomers",
		"an unknown v1 route": "/v1/offers/abc/xyz", "control unknown": "/_mock/unknown", "control traversal": "/_mock/../v1/customers",
		"an escaped slash in a literal": "/v1%2Fcustomers", "a dot segment": "/v1/./customers", "a tilde": "/~root",
		"an injection": "/v1/" + url.PathEscape(badInjections[2]), "an overlong UTF-8 slash": "/v1%C0%AFcustomers",
	} {
		c := badCase{name: "unknown route: " + name, method: "GET", path: p, status: 404, code: 1000}
		if strings.HasPrefix(p, "/_mock") {
			c.answer = answerMock
		}
		add(c)
	}
	for _, method := range []string{"OPTIONS", "TRACE", "PROPFIND", "FOO", "CONNECTX"} {
		one("customers: method "+method, method, "/v1/customers", 405, 800002)
	}

	// ---- malformed query strings (url.URL.Query would drop the pair) ----
	for name, q := range map[string]string{"a semicolon": "size=5;", "a bad escape": "size=%zz", "a lone percent": "size=5%",
		"a semicolon in a filter": "filter=" + badFilterQuery(`{"Field":"Domain","Value":"a","Operator":"starts_with"}`) + ";"} {
		list("malformed query: "+name, "?"+q, 400, 800002)
	}
	for name, q := range map[string]string{"a semicolon": "relationship_type=IsIndirectCloudSolutionProviderOf;", "a bad escape": "filter=%7B%zz"} {
		rel("malformed query: "+name, "?"+q, 400, 800002)
	}
	one("offers: a malformed query", "GET", "/v1/offers?country=US;", 400, 800002)
	one("offer: a malformed query", "GET", "/v1/offers/031C9E47-4802-4248-838E-778FB1D2CC05?country=%U", 400, 800002)
	one("agreement status: a malformed query", "GET", "/v1/compliance/csp/agreementstatus?mpnId=1%zz", 400, 800002)
	one("subscriptions: a malformed query", "GET", "/v1/customers/"+f.customerID+"/subscriptions?mpn_id=1;", 400, 800002)
	for name, q := range map[string]string{
		"a semicolon after an account": "account=" + defaultAcct + ";", "a bad escape": "account=%zz",
		"a semicolon before an account": ";account=" + defaultAcct, "a lone percent": "account=%",
	} {
		add(badCase{name: "control reset: malformed query " + name, method: "POST", path: "/_mock/reset?" + q, status: 400, code: 800002, answer: answerMock})
	}
	add(badCase{name: "control requests: malformed query", method: "GET", path: "/_mock/requests?status=4xx;", status: 400, code: 800002, answer: answerMock})

	// ---- orders ----
	orders := "/v1/customers/" + f.customerID + "/orders"
	okOrder := badOrderBody(f.customerID)
	order := func(name string, body []byte, status, code int, extra ...func(*badCase)) {
		c := badCase{name: "order create: " + name, method: "POST", path: orders, body: body, status: status, code: code}
		for _, e := range extra {
			e(&c)
		}
		add(c)
	}
	line := func(path string, v any) func(map[string]any) {
		return func(m map[string]any) { m["lineItems"].([]any)[0].(map[string]any)[path] = v }
	}
	for name, body := range map[string]string{"empty body": "", "null": "null", "an array": "[]", "malformed": `{"lineItems":[`,
		"no lineItems": `{"billingCycle":"monthly"}`, "empty lineItems": `{"lineItems":[]}`, "lineItems an object": `{"lineItems":{}}`,
		"lineItems of strings": `{"lineItems":["a"]}`, "lineItems of nulls": `{"lineItems":[null]}`,
	} {
		order(name, []byte(body), 400, 800002)
	}
	for _, e := range []struct {
		name         string
		edit         func(map[string]any)
		status, code int
	}{
		{"lineItemNumber missing", func(m map[string]any) { delete(m["lineItems"].([]any)[0].(map[string]any), "lineItemNumber") }, 400, 800071},
		{"lineItemNumber 1 of one line", line("lineItemNumber", 1), 400, 800071},
		{"lineItemNumber negative", line("lineItemNumber", -1), 400, 800071},
		{"lineItemNumber a string", line("lineItemNumber", "0"), 400, 800002},
		{"lineItemNumber fractional", line("lineItemNumber", 0.5), 400, 800002},
		{"lineItemNumber 2^40", line("lineItemNumber", 1<<40), 400, 800002},
		{"two lines numbered 0", func(m map[string]any) {
			l := m["lineItems"].([]any)[0]
			m["lineItems"] = []any{l, l}
		}, 400, 800071},
		{"offerId missing", func(m map[string]any) { delete(m["lineItems"].([]any)[0].(map[string]any), "offerId") }, 400, 800002},
		{"offerId unknown", line("offerId", uuid.NewString()), 400, 800004},
		{"offerId a number", line("offerId", 7), 400, 800002},
		{"offerId an injection", line("offerId", badInjections[1]), 400, 800004},
		{"offerId 300 characters", line("offerId", strings.Repeat("o", 300)), 400, 800002},
		{"offer with a 50-license minimum", line("offerId", "00000000-0000-4000-8000-000000000050"), 403, 900322},
		{"quantity missing", func(m map[string]any) { delete(m["lineItems"].([]any)[0].(map[string]any), "quantity") }, 400, 800002},
		{"quantity a string", line("quantity", "5"), 400, 800002},
		{"quantity 0", line("quantity", 0), 400, 2002},
		{"quantity negative", line("quantity", -3), 400, 2002},
		{"quantity over the offer's maximum", line("quantity", 301), 400, 2002},
		{"quantity over the sandbox's 25", line("quantity", 26), 403, 800067},
		{"quantity 1e10", line("quantity", 1e10), 400, 800002},
		{"quantity a boolean", line("quantity", true), 400, 800002},
		{"billingCycle weekly", badSet("billingCycle", "weekly"), 400, 800002},
		{"billingCycle a number", badSet("billingCycle", 1), 400, 800002},
		{"referenceCustomerId another customer", badSet("referenceCustomerId", f.otherCustomer), 400, 800002},
		{"referenceCustomerId a number", badSet("referenceCustomerId", 1), 400, 800002},
		{"partnerIdOnRecord letters", line("partnerIdOnRecord", "abc"), 404, 800015},
		{"partnerIdOnRecord 11 digits", line("partnerIdOnRecord", "12345678901"), 404, 800015},
		{"partnerIdOnRecord the provider's own", line("partnerIdOnRecord", "1234567"), 404, 2072},
		{"partnerIdOnRecord a number", line("partnerIdOnRecord", 6363276), 400, 800002},
		{"partnerIdOnRecord an injection", line("partnerIdOnRecord", badInjections[0]), 404, 800015},
		{"friendlyName an object", line("friendlyName", map[string]any{}), 400, 800002},
		{"an NCE offer with an unknown term", func(m map[string]any) {
			line("offerId", "CFQ7TTC0LH18:0001:CFQ7TTC0K971")(m)
			line("termDuration", "P9Y")(m)
		}, 400, 800002},
	} {
		order(e.name, badEdit(okOrder, e.edit), e.status, e.code)
	}
	order("a partner of record with an app-only token", badEdit(okOrder, line("partnerIdOnRecord", "6363276")), 403, 900329, func(c *badCase) { c.auth = appOnlyToken })
	order("two names differing in case", badWithRaw(okOrder, "LineItems", `[]`), 400, 800002)
	order("deep nesting", badWithRaw(okOrder, "deep", badNested(70)), 400, 800002)
	order("over 1 MiB", huge, 413, 800002)
	unknownCustomer := uuid.NewString()
	order("an unknown customer", badOrderBody(unknownCustomer), 404, 60003, func(c *badCase) { c.path = "/v1/customers/" + unknownCustomer + "/orders" })
	order("another account's customer", badOrderBody(f.otherCustomer), 404, 60003, func(c *badCase) { c.path = "/v1/customers/" + f.otherCustomer + "/orders" })
	order("no bearer", okOrder, 401, 800001, func(c *badCase) { c.auth = badNoAuth })
	order("a reseller caller", okOrder, 403, 600006, func(c *badCase) { c.auth = f.seller.token })
	for name, id := range map[string]string{"unknown": uuid.NewString(), "not a GUID": "abc", "a NUL": "%00", "another customer's subscription id": f.subscriptionID} {
		one("order get: "+name, "GET", orders+"/"+id, 404, 20000)
		one("provisioning status: "+name, "GET", orders+"/"+id+"/provisioningstatus", 404, 20000)
	}
	one("orders list: an unknown customer", "GET", "/v1/customers/"+uuid.NewString()+"/orders", 404, 60003)
	one("order get: an unknown customer", "GET", "/v1/customers/"+uuid.NewString()+"/orders/"+f.orderID, 404, 60003)
	one("order: DELETE", "DELETE", orders+"/"+f.orderID, 405, 800002)
	one("orders: PUT", "PUT", orders, 405, 800002, func(c *badCase) { c.body = okOrder })

	// ---- carts ----
	carts := "/v1/customers/" + f.customerID + "/carts"
	okCart := badCartBody()
	cartLine := func(path string, v any) func(map[string]any) {
		return func(m map[string]any) { m["lineItems"].([]any)[0].(map[string]any)[path] = v }
	}
	for _, e := range []struct {
		name         string
		body         []byte
		status, code int
	}{
		{"empty body", nil, 400, 800002},
		{"malformed", []byte(`{"lineItems":[{"id":`), 400, 800002},
		{"no lineItems", []byte(`{}`), 400, 800002},
		{"empty lineItems", []byte(`{"lineItems":[]}`), 400, 800002},
		{"catalogItemId missing", badEdit(okCart, func(m map[string]any) { delete(m["lineItems"].([]any)[0].(map[string]any), "catalogItemId") }), 400, 800002},
		{"catalogItemId unknown", badEdit(okCart, cartLine("catalogItemId", "AAAA:0001:BBBB")), 400, 800004},
		{"catalogItemId a legacy offer", badEdit(okCart, cartLine("catalogItemId", "031C9E47-4802-4248-838E-778FB1D2CC05")), 400, 800004},
		{"catalogItemId a number", badEdit(okCart, cartLine("catalogItemId", 1)), 400, 800002},
		{"quantity missing", badEdit(okCart, func(m map[string]any) { delete(m["lineItems"].([]any)[0].(map[string]any), "quantity") }), 400, 800002},
		{"quantity 0", badEdit(okCart, cartLine("quantity", 0)), 400, 2002},
		{"quantity a string", badEdit(okCart, cartLine("quantity", "2")), 400, 800002},
		{"billingCycle missing", badEdit(okCart, func(m map[string]any) { delete(m["lineItems"].([]any)[0].(map[string]any), "billingCycle") }), 400, 800002},
		{"billingCycle unknown", badEdit(okCart, cartLine("billingCycle", "unknown")), 400, 800002},
		{"termDuration P9Y", badEdit(okCart, cartLine("termDuration", "P9Y")), 400, 800002},
		{"id an object", badEdit(okCart, cartLine("id", map[string]any{})), 400, 800002},
		{"id fractional", badEdit(okCart, cartLine("id", 1.5)), 400, 800002},
		{"participants an object", badEdit(okCart, cartLine("participants", map[string]any{})), 400, 800002},
		{"participants of strings", badEdit(okCart, cartLine("participants", []any{"x"})), 400, 800002},
		{"a participant value a number", badEdit(okCart, cartLine("participants", []any{map[string]any{"key": "transaction_reseller", "value": 1}})), 400, 800002},
		{"transaction_reseller letters", badEdit(okCart, cartLine("participants", []any{map[string]any{"key": "transaction_reseller", "value": "abc"}})), 404, 800015},
		{"transaction_reseller the provider's own", badEdit(okCart, cartLine("participants", []any{map[string]any{"key": "transaction_reseller", "value": "1234567"}})), 404, 2072},
		{"deep nesting", badWithRaw(okCart, "deep", badNestedObjects(70)), 400, 800002},
		{"over 1 MiB", huge, 413, 800002},
	} {
		add(badCase{name: "cart create: " + e.name, method: "POST", path: carts, body: e.body, status: e.status, code: e.code})
		if e.name != "over 1 MiB" && e.status != 404 {
			add(badCase{name: "cart replace: " + e.name, method: "PUT", path: carts + "/" + f.cartID, body: e.body, status: e.status, code: e.code})
		}
	}
	add(badCase{name: "cart create: an unknown customer", method: "POST", path: "/v1/customers/" + uuid.NewString() + "/carts", body: okCart, status: 404, code: 60003})
	add(badCase{name: "cart create: a reseller caller", method: "POST", path: carts, body: okCart, auth: f.seller.token, status: 403, code: 600006})
	add(badCase{name: "cart create: a transaction reseller with an app-only token", method: "POST", path: carts, auth: appOnlyToken, status: 403, code: 900329,
		body: badEdit(okCart, cartLine("participants", []any{map[string]any{"key": "transaction_reseller", "value": "6363276"}}))})
	for name, id := range map[string]string{"unknown": uuid.NewString(), "not a GUID": "cart", "a NUL": "%00", "the order's id": f.orderID} {
		one("cart get: "+name, "GET", carts+"/"+id, 404, 800008)
		one("cart replace: "+name, "PUT", carts+"/"+id, 404, 800008, func(c *badCase) { c.body = okCart })
		one("cart checkout: "+name, "POST", carts+"/"+id+"/checkout", 404, 800008)
	}
	one("cart replace: a checked-out cart", "PUT", carts+"/"+f.orderedCartID, 400, 800065, func(c *badCase) { c.body = okCart })
	one("cart checkout: a checked-out cart", "POST", carts+"/"+f.orderedCartID+"/checkout", 400, 800065)
	one("cart: DELETE", "DELETE", carts+"/"+f.cartID, 405, 800002)
	one("carts: GET", "GET", carts, 405, 800002)

	// ---- subscriptions ----
	subs := "/v1/customers/" + f.customerID + "/subscriptions"
	for name, id := range map[string]string{"unknown": uuid.NewString(), "not a GUID": "sub", "a NUL": "%00", "the order's id": f.orderID} {
		one("subscription get: "+name, "GET", subs+"/"+id, 404, 20003)
		one("subscription patch: "+name, "PATCH", subs+"/"+id, 404, 20003, func(c *badCase) { c.body = []byte(`{"quantity":6}`) })
	}
	one("subscriptions: an unknown customer", "GET", "/v1/customers/"+uuid.NewString()+"/subscriptions", 404, 60003)
	one("subscription get: another account's customer", "GET", "/v1/customers/"+f.otherCustomer+"/subscriptions/"+f.subscriptionID, 404, 60003)
	for name, e := range map[string]struct {
		body         string
		status, code int
	}{
		"empty body": {"", 400, 800002}, "null": {"null", 400, 800002}, "an array": {"[]", 400, 800002}, "malformed": {`{"quantity":`, 400, 800002},
		"quantity a string": {`{"quantity":"6"}`, 400, 800002}, "quantity negative": {`{"quantity":-1}`, 400, 800002},
		"quantity fractional": {`{"quantity":6.5}`, 400, 800002}, "quantity 2^40": {`{"quantity":1099511627776}`, 400, 800002},
		"quantity over the sandbox's 25": {`{"quantity":26}`, 403, 800067}, "quantity over the offer's maximum": {`{"quantity":301}`, 400, 2002},
		"status paused": {`{"status":"paused"}`, 400, 800002}, "status a number": {`{"status":1}`, 400, 800002},
		"status deleted on a legacy offer": {`{"status":"deleted"}`, 400, 800090},
		"autoRenewEnabled a string":        {`{"autoRenewEnabled":"yes"}`, 400, 800002}, "friendlyName a number": {`{"friendlyName":5}`, 400, 800002},
		"partnerId a number": {`{"partnerId":1}`, 400, 800002}, "partnerId letters": {`{"partnerId":"abc"}`, 404, 800015},
		"partnerId the provider's own": {`{"partnerId":"1234567"}`, 404, 2072},
		"two names differing in case":  {`{"quantity":6,"Quantity":7}`, 400, 800002}, "deep nesting": {`{"quantity":6,"x":` + badNested(70) + `}`, 400, 800002},
	} {
		one("subscription patch: "+name, "PATCH", subs+"/"+f.subscriptionID, e.status, e.code, func(c *badCase) { c.body = []byte(e.body) })
	}
	one("subscription patch: a stale If-Match", "PATCH", subs+"/"+f.subscriptionID, 400, 2055, func(c *badCase) {
		c.body, c.headers = []byte(`{"quantity":6}`), map[string]string{"If-Match": `"0"`}
	})
	one("subscription patch: a partner with an app-only token", "PATCH", subs+"/"+f.subscriptionID, 403, 900329, func(c *badCase) {
		c.body, c.auth = []byte(`{"partnerId":"6363276"}`), appOnlyToken
	})
	one("subscription patch: a reseller caller", "PATCH", subs+"/"+f.subscriptionID, 403, 600006, func(c *badCase) {
		c.body, c.auth = []byte(`{"quantity":6}`), f.seller.token
	})
	one("subscription patch: over 1 MiB", "PATCH", subs+"/"+f.subscriptionID, 413, 800002, func(c *badCase) { c.body = huge })
	one("subscription: DELETE", "DELETE", subs+"/"+f.subscriptionID, 405, 800002)

	// ---- offers and agreement status ----
	for name, q := range map[string]string{"no country": "", "country USA": "?country=USA", "country digits": "?country=12",
		"country an injection": "?country=" + url.QueryEscape(badInjections[0]), "country empty": "?country="} {
		one("offers: "+name, "GET", "/v1/offers"+q, 400, 800002)
		one("offer: "+name, "GET", "/v1/offers/031C9E47-4802-4248-838E-778FB1D2CC05"+q, 400, 800002)
	}
	for name, e := range map[string]struct {
		id   string
		code int
	}{"unknown": {uuid.NewString(), 800004}, "an NCE id": {"CFQ7TTC0LH18:0001:CFQ7TTC0K971", 2100}, "an NCE-shaped unknown id": {"a:b:c", 2100},
		"an injection": {url.PathEscape(badInjections[1]), 800004}, "a NUL": {"%00", 800004}} {
		one("offer: "+name, "GET", "/v1/offers/"+e.id+"?country=US", 400, e.code)
	}
	one("offers: POST", "POST", "/v1/offers?country=US", 405, 800002, func(c *badCase) { c.body = []byte("{}") })
	for name, e := range map[string]struct {
		q    string
		code int
	}{"no parameters": {"", 2001}, "both": {"?mpnId=6363276&tenantId=" + f.resellerID, 2000}, "mpnId letters": {"?mpnId=abc", 2000},
		"tenantId not a GUID": {"?tenantId=abc", 2000}, "an unknown mpnId": {"?mpnId=9999999", 2200}, "an unknown tenantId": {"?tenantId=" + uuid.NewString(), 2200},
		"another account's reseller": {"?tenantId=" + f.otherReseller, 2200}, "mpnId an injection": {"?mpnId=" + url.QueryEscape(badInjections[0]), 2000}} {
		one("agreement status: "+name, "GET", "/v1/compliance/csp/agreementstatus"+e.q, 400, e.code)
	}
	one("agreement status: an app-only token", "GET", "/v1/compliance/csp/agreementstatus?mpnId=6363276", 403, 900329, func(c *badCase) { c.auth = appOnlyToken })

	// ---- a reseller caller (SPEC §12): reads of its own customers only ----
	for _, rt := range []struct{ method, path string }{
		{"POST", "/v1/customers"}, {"POST", "/v1/sandboxIndirectReseller"}, {"DELETE", "/v1/sandboxIndirectReseller/" + f.resellerID},
		{"DELETE", "/v1/customers/" + f.customerID}, {"PATCH", "/v1/customers/" + f.customerID}, {"POST", carts},
		{"GET", "/v1/offers?country=US"}, {"GET", "/v1/customers/relationshiprequests"}, {"GET", "/v1/compliance/csp/agreementstatus?mpnId=1"},
		{"HEAD", "/v1/domains/contoso.com"}, {"GET", orders},
	} {
		c := badCase{name: "reseller caller: " + rt.method + " " + rt.path, method: rt.method, path: rt.path, auth: f.seller.token, status: 403, code: 600006, headers: guid()}
		if rt.method == "POST" || rt.method == "PATCH" {
			c.body = []byte(`{"relationshipToPartner":"none"}`)
		}
		if rt.method == "HEAD" {
			c.code = 0
		}
		add(c)
	}
	for _, p := range []string{"/v1/customers/" + f.customerID, "/v1/customers/" + f.resellerCustomer + "/profiles/billing", subs} {
		one("reseller caller: another reseller's or a direct customer "+p, "GET", p, 404, 60003, func(c *badCase) { c.auth = f.seller.token })
	}
	one("reseller caller: the provider's continuation token", "GET", "/v1/customers?size=1&seekOperation=Next", 400, 800002, func(c *badCase) {
		c.auth, c.headers = f.seller.token, map[string]string{"MS-ContinuationToken": f.continuation}
	})

	// ---- the inspector page's files ----
	for name, file := range map[string]string{"unknown": "missing.html", "a traversal": "..%2Fui.go", "an escaped traversal to a page": "..%2Fui%2Findex.html",
		"a NUL": "index.html%00", "no extension": "index", "a directory": "ui%2Findex.html", "a Go file": "ui.go"} {
		add(badCase{name: "inspector file: " + name, method: "GET", path: "/_mock/ui/" + file, status: 404, code: 1000, answer: answerMock})
	}
	add(badCase{name: "inspector: POST", method: "POST", path: "/_mock/ui", status: 405, code: 800002, answer: answerMock})

	// ---- the local Entra ----
	form := func(v url.Values) []byte { return []byte(v.Encode()) }
	formHeaders := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": ""}
	tok := func(name, path string, body []byte, status, code int, extra ...func(*badCase)) {
		c := badCase{name: "token " + path + ": " + name, method: "POST", path: path, body: body, headers: formHeaders, status: status, code: code, auth: badNoAuth}
		for _, e := range extra {
			e(&c)
		}
		add(c)
	}
	cc := func(badEdit func(url.Values)) []byte {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey}, "resource": {"https://api.partnercenter.microsoft.com"}}
		badEdit(v)
		return form(v)
	}
	pw := func(badEdit func(url.Values)) []byte {
		v := url.Values{"grant_type": {"password"}, "client_id": {defaultApp}, "username": {defaultUser}, "password": {defaultPass}, "scope": {"https://api.partnercenter.microsoft.com/user_impersonation"}}
		badEdit(v)
		return form(v)
	}
	for _, p := range []string{"/contososandbox.onmicrosoft.com/oauth2/token", "/common/oauth2/v2.0/token"} {
		tok("empty body", p, nil, 400, 900144)
		tok("no grant_type", p, cc(func(v url.Values) { v.Del("grant_type") }), 400, 900144)
		tok("an unknown grant", p, cc(func(v url.Values) { v.Set("grant_type", "implicit") }), 400, 70003)
		tok("a grant injection", p, cc(func(v url.Values) { v.Set("grant_type", badInjections[0]) }), 400, 70003)
		tok("client_credentials without a secret", p, cc(func(v url.Values) { v.Del("client_secret") }), 401, 7000216)
		tok("client_credentials with a wrong secret", p, cc(func(v url.Values) { v.Set("client_secret", "wrong") }), 401, 7000215)
		tok("client_credentials with a 100 KiB secret", p, cc(func(v url.Values) { v.Set("client_secret", big) }), 401, 7000215)
		tok("client_credentials with an unknown app", p, cc(func(v url.Values) { v.Set("client_id", uuid.NewString()) }), 400, 700016)
		tok("client_credentials with an app injection", p, cc(func(v url.Values) { v.Set("client_id", badInjections[1]) }), 400, 700016)
		tok("password without a username", p, pw(func(v url.Values) { v.Del("username") }), 400, 900144)
		tok("password with a wrong password", p, pw(func(v url.Values) { v.Set("password", "wrong") }), 400, 50126)
		tok("password with an unknown user", p, pw(func(v url.Values) { v.Set("username", "nobody@contososandbox.onmicrosoft.com") }), 400, 50126)
		tok("password with a username injection", p, pw(func(v url.Values) { v.Set("username", badInjections[0]) }), 400, 50126)
		tok("password with a wrong secret", p, pw(func(v url.Values) { v.Set("client_secret", "wrong") }), 401, 7000215)
		tok("refresh with garbage", p, form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"garbage"}}), 400, 9002313)
		tok("refresh with an access token", p, form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.userToken}}), 400, 9002313)
		tok("refresh with an altered token", p, form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {badAlter(f.refresh)}}), 400, 9002313)
		tok("refresh for another app", p, form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.refresh}, "client_id": {uuid.NewString()}}), 400, 70000)
		tok("a malformed form", p, []byte("grant_type=%zz&client_id=%"), 400, 900144)
		tok("semicolons", p, []byte("grant_type=client_credentials;client_id=x"), 400, 900144)
		tok("a JSON body", p, badJSON(map[string]string{"grant_type": "client_credentials"}), 400, 900144)
		tok("invalid UTF-8", p, []byte("grant_type=\xff\xfe&client_id=\xff"), 400, 70003)
		tok("a NUL", p, []byte("grant_type=client%00credentials"), 400, 70003)
		tok("Basic credentials of garbage", p, cc(func(v url.Values) { v.Del("client_id"); v.Del("client_secret") }), 400, 0,
			func(c *badCase) {
				c.headers = map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic !!!notbase64"}
			})
		tok("Basic credentials with a wrong secret", p, cc(func(v url.Values) { v.Del("client_secret") }), 401, 7000215,
			func(c *badCase) {
				c.headers = map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(defaultApp+":wrong"))}
			})
		tok("a body over 1 MiB", p, append([]byte("grant_type=client_credentials&x="), make([]byte, 1<<20)...), 413, 800002, func(c *badCase) { c.answer = answerPC })
	}
	for name, tenant := range map[string]string{
		"an unknown GUID": uuid.NewString(), "an unknown domain": "nobody.onmicrosoft.com", "dot-dot": "..",
		"an injection": url.PathEscape(badInjections[0]), "a NUL": "%00", "10 KiB": strings.Repeat("t", 10<<10),
	} {
		tok("tenant "+name, "/"+tenant+"/oauth2/token", cc(func(url.Values) {}), 400, 90002)
		tok("tenant "+name, "/"+tenant+"/oauth2/v2.0/token", cc(func(url.Values) {}), 400, 90002)
		one("openid configuration: tenant "+name, "GET", "/"+tenant+"/.well-known/openid-configuration", 400, 90002)
		one("openid configuration v2.0: tenant "+name, "GET", "/"+tenant+"/v2.0/.well-known/openid-configuration", 400, 90002)
	}
	tok("another account's app", "/fabrikam.onmicrosoft.com/oauth2/token", cc(func(url.Values) {}), 400, 700016)
	one("token: GET", "GET", "/common/oauth2/token", 405, 800002, func(c *badCase) { c.answer = answerPC })
	one("token v2: PUT", "PUT", "/common/oauth2/v2.0/token", 405, 800002, func(c *badCase) { c.answer = answerPC })
	one("openid configuration: POST", "POST", "/common/.well-known/openid-configuration", 405, 800002, func(c *badCase) { c.answer = answerPC })

	// ---- /generatetoken ----
	for _, p := range []string{"/generatetoken", "/v3/generatetoken"} {
		gen := func(name string, body []byte, auth string, status, code int) {
			add(badCase{name: p + ": " + name, method: "POST", path: p, body: body, auth: auth, status: status, code: code,
				headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		}
		gen("no form", nil, f.userToken, 400, 800002)
		gen("another grant", []byte("grant_type=client_credentials"), f.userToken, 400, 800002)
		gen("a malformed form", []byte("grant_type=%zz"), f.userToken, 400, 800002)
		gen("no bearer", []byte("grant_type=jwt_token"), badNoAuth, 401, 800001)
		gen("a static token", []byte("grant_type=jwt_token"), defaultToken, 401, 800001)
		gen("a refresh token", []byte("grant_type=jwt_token"), f.refresh, 401, 800001)
		gen("an altered token", []byte("grant_type=jwt_token"), badAlter(f.userToken), 401, 800001)
		gen("alg none", []byte("grant_type=jwt_token"), badNoneAlg(f.userToken), 401, 800001)
		gen("a body over 1 MiB", append([]byte("grant_type=jwt_token&x="), make([]byte, 1<<20)...), f.userToken, 413, 800002)
	}
	one("generatetoken: GET", "GET", "/generatetoken", 405, 800002)

	// ---- the control API ----
	ctl := func(name, method, path string, body []byte, status, code int) {
		add(badCase{name: "control " + name, method: method, path: path, body: body, status: status, code: code, answer: answerMock})
	}
	for name, id := range map[string]string{
		"not a GUID": "not-a-guid", "unknown": uuid.NewString(), "an injection": url.QueryEscape(badInjections[0]), "a NUL": "%00",
	} {
		ctl("reset: account "+name, "POST", "/_mock/reset?account="+id, nil, 404, 1000)
		ctl("limits GET: account "+name, "GET", "/_mock/accounts/"+url.PathEscape(id)+"/limits", nil, 404, 1000)
		ctl("limits PUT: account "+name, "PUT", "/_mock/accounts/"+url.PathEscape(id)+"/limits", []byte(`{"resellers":1}`), 404, 1000)
	}
	for name, n := range map[string]string{
		"a space": "bad%20name", "65 characters": strings.Repeat("s", 65), "a traversal": "..%2F..%2Fetc", "a colon": "seed:x",
		"a NUL": "%00", "a dot": "a.b", "non-ASCII": "%C3%A9t%C3%A9", "an injection": url.PathEscape(badInjections[1]),
	} {
		ctl("snapshot save: "+name, "POST", "/_mock/snapshots/"+n, nil, 400, 800002)
		ctl("snapshot restore: "+name, "POST", "/_mock/snapshots/"+n+"/restore", nil, 400, 800002)
	}
	ctl("snapshot restore: unknown", "POST", "/_mock/snapshots/never-saved/restore", nil, 404, 1000)
	ctl("snapshot restore: the internal seed", "POST", "/_mock/snapshots/seed:0/restore", nil, 400, 800002)
	ctl("snapshot save: GET", "GET", "/_mock/snapshots/x", nil, 405, 800002)
	for _, st := range []string{"abc", "600", "4x", "xx", "099", "4xxx", "%00"} {
		ctl("requests: status "+st, "GET", "/_mock/requests?status="+st, nil, 400, 800002)
	}
	ctl("requests: PUT", "PUT", "/_mock/requests", nil, 405, 800002)
	for name, body := range map[string]string{
		"empty body": "", "null": "null", "an array": "[]", "malformed": `{"status":`, "nothing": `{}`,
		"an unknown action": `{"action":"explode"}`, "status 200": `{"status":200}`, "status 600": `{"status":600}`,
		"status a string": `{"status":"500"}`, "status 1e400": `{"status":1e400}`, "status negative": `{"status":-500}`,
		"status fractional": `{"status":500.5}`, "times 0": `{"status":500,"times":0}`, "times 4": `{"status":500,"times":4}`,
		"times -1": `{"status":500,"times":-1}`, "times 2^40": `{"status":500,"times":1099511627776}`,
		"drop times 5": `{"action":"drop-after-commit","times":5}`, "delay without delayMs": `{"action":"delay"}`,
		"delayMs 0": `{"action":"delay","delayMs":0}`, "delayMs a string": `{"action":"delay","delayMs":"300"}`,
		"delayMs negative": `{"action":"delay","delayMs":-5}`, "code a string": `{"status":500,"code":"x"}`,
		"retryAfter huge": `{"status":429,"retryAfter":1e99}`, "method a number": `{"status":500,"method":1}`,
		"path an array": `{"status":500,"path":["/v1"]}`, "account an object": `{"status":500,"account":{}}`,
		"two cases of a key": `{"status":500,"Status":501}`, "deep nesting": `{"status":500,"x":` + badNested(70) + `}`,
		"action a number": `{"action":1}`, "a 300-character path": `{"status":500,"path":"/` + strings.Repeat("p", 300) + `"}`,
		"invalid UTF-8 action": "{\"action\":\"del\xffay\",\"delayMs\":5}", "an action injection": `{"action":"delay'; --"}`,
	} {
		ctl("faults POST: "+name, "POST", "/_mock/faults", []byte(body), 400, 800002)
	}
	ctl("faults POST: over 1 MiB", "POST", "/_mock/faults", huge, 413, 800002)
	for name, id := range map[string]string{"unknown": uuid.NewString(), "an injection": url.PathEscape(badInjections[0]), "a NUL": "%00"} {
		ctl("fault DELETE: "+name, "DELETE", "/_mock/faults/"+id, nil, 404, 1000)
	}
	ctl("faults: PUT", "PUT", "/_mock/faults", []byte(`{"status":500}`), 405, 800002)
	for name, body := range map[string]string{
		"empty body": "", "null": "null", "an array": "[5]", "malformed": `{"resellers":`, "negative": `{"resellers":-1}`,
		"over 10000": `{"customers":10001}`, "a string": `{"resellers":"5"}`, "fractional": `{"resellers":1.5}`,
		"a boolean": `{"resellers":true}`, "an unknown limit": `{"orders":5}`, "1e999": `{"resellers":1e999}`,
		"exponent form": `{"resellers":1e1}`, "two cases of a key": `{"resellers":1,"Resellers":2}`,
		"deep nesting": `{"resellers":` + badNested(70) + `}`, "an object": `{"resellers":{"max":5}}`,
		"an injection key": `{"resellers = 0; --":1}`, "valid then unknown": `{"resellers":1,"bogus":2}`,
	} {
		ctl("limits PUT: "+name, "PUT", "/_mock/accounts/"+defaultAcct+"/limits", []byte(body), 400, 800002)
	}
	ctl("limits PUT: over 1 MiB", "PUT", "/_mock/accounts/"+defaultAcct+"/limits", huge, 413, 800002)
	ctl("limits: POST", "POST", "/_mock/accounts/"+defaultAcct+"/limits", []byte(`{"resellers":1}`), 405, 800002)
	ctl("reset: GET", "GET", "/_mock/reset", nil, 405, 800002)
	ctl("state: PUT", "PUT", "/_mock/state", []byte(`{"accounts":[]}`), 405, 800002)
	ctl("health: POST", "POST", "/_mock/health", nil, 405, 800002)
	ctl("ready: DELETE", "DELETE", "/_mock/ready", nil, 405, 800002)
	ctl("snapshots: DELETE", "DELETE", "/_mock/snapshots", nil, 405, 800002)
	ctl("requests: an unknown sub-route", "DELETE", "/_mock/requests/x", nil, 404, 1000)
	ctl("faults: PATCH a rule", "PATCH", "/_mock/faults/"+uuid.NewString(), []byte(`{"times":3}`), 405, 800002)
	return cs
}

func TestBadInputCorpusAnswers4xxAndChangesNothing(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	f := setUpBadCorpus(t, m)
	cases := badCorpus(t, f)
	n := runBadCorpus(t, m, "", cases)
	raw := runBadRawCorpus(t, m)
	t.Logf("bad-input corpus (permissive): %d HTTP cases, %d raw-TCP cases", n, raw)
	if n+raw < 200 {
		t.Errorf("only %d cases; the corpus promises at least 200", n+raw)
	}
}

// In strict mode (with an admin token) every other bearer string is refused
// rather than being its own account, so garbage tokens are bad input too.
func TestBadTokensInStrictModeAnswer401AndChangeNothing(t *testing.T) {
	t.Parallel()
	const admin = "badinput-admin-token"
	m := newMock(t, strict, adminToken(admin), func(c *server.Config) { c.TokenTTL = time.Nanosecond })
	// Issued with a 1 ns lifetime, so already expired.
	r := m.postForm("/"+defaultAcct+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey}}, nil)
	expired, _ := r.json()["access_token"].(string)
	if expired == "" {
		t.Fatalf("no token: %s", r.body)
	}
	foreign := newMock(t) // another mock: another signing key
	r = foreign.postForm("/"+defaultAcct+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey}}, nil)
	foreignToken, _ := r.json()["access_token"].(string)

	tokens := map[string]string{
		"garbage": "garbage", "an injection": badInjections[0], "a traversal": badInjections[3], "10 KiB": strings.Repeat("t", 10<<10),
		"an expired mock token": expired, "another mock's token": foreignToken, "a JWT-looking string": "a.b.c",
		"a JWT with this kid and no signature": badNoneAlg(expired), "a fixture token in another case": strings.ToUpper(defaultToken),
		"a fixture token with a suffix": defaultToken + "x", "an admin token as bearer": admin,
	}
	routes := []struct{ method, path string }{
		{"POST", "/v1/sandboxIndirectReseller"}, {"DELETE", "/v1/sandboxIndirectReseller/" + uuid.NewString()},
		{"GET", "/v1/relationships"}, {"POST", "/v1/customers"}, {"GET", "/v1/customers"},
		{"GET", "/v1/customers/" + uuid.NewString()}, {"PATCH", "/v1/customers/" + uuid.NewString()},
		{"DELETE", "/v1/customers/" + uuid.NewString()}, {"GET", "/v1/customers/relationshiprequests"},
		{"HEAD", "/v1/domains/contoso.com"}, {"GET", "/v1/validations/checkdomainavailability/contoso"},
		{"GET", "/v1/profiles/organization"},
	}
	var cases []badCase
	for name, token := range tokens {
		for _, rt := range routes {
			var body []byte
			if rt.method == "POST" || rt.method == "PATCH" {
				body = []byte(`{}`)
			}
			cases = append(cases, badCase{name: rt.method + " " + rt.path + ": " + name, method: rt.method, path: rt.path, auth: token, body: body,
				status: 401, code: 800001})
		}
		cases = append(cases, badCase{name: "generatetoken: " + name, method: "POST", path: "/generatetoken", auth: token,
			body: []byte("grant_type=jwt_token"), status: 401, code: 800001})
	}
	for _, p := range []string{"/_mock/reset", "/_mock/snapshots/x", "/_mock/faults"} {
		for name, h := range map[string]string{"no admin token": "", "a wrong admin token": "Bearer wrong", "the admin token as Basic": "Basic " + admin, "a fixture token": "Bearer " + defaultToken} {
			cases = append(cases, badCase{name: "control " + p + ": " + name, method: "POST", path: p, body: []byte(`{"status":500}`),
				headers: map[string]string{"Authorization": h}, status: 401, code: 800001, answer: answerMock})
		}
	}
	for _, p := range []string{"/_mock/state", "/_mock/requests", "/_mock/snapshots", "/_mock/accounts/" + defaultAcct + "/limits"} {
		cases = append(cases, badCase{name: "control GET " + p + ": no admin token", method: "GET", path: p,
			headers: map[string]string{"Authorization": ""}, status: 401, code: 800001, answer: answerMock})
	}
	cases = append(cases, badCase{name: "control PUT limits: no admin token", method: "PUT", path: "/_mock/accounts/" + defaultAcct + "/limits",
		body: []byte(`{"resellers":0}`), headers: map[string]string{"Authorization": ""}, status: 401, code: 800001, answer: answerMock})
	n := runBadCorpus(t, m, admin, cases)
	t.Logf("bad-input corpus (strict, admin token): %d cases", n)
}

// ---- raw TCP ----

// badRawCase is a request written byte for byte to a new connection.
type badRawCase struct {
	name string
	raw  string
	// exempt: Go's HTTP server refuses it before any handler (SPEC §2.6), so
	// only "the server stays up and nothing changed" is checked. Otherwise
	// the answer must be a 4xx with the route's error body.
	exempt   bool
	status   int        // wanted status (0: any 4xx, or for exempt cases any answer)
	halfOpen bool       // close the write side after sending (a body cut short)
	answer   answerKind // as badCase.answer
}

func badRawRequest(method, target string, headers ...string) string {
	return method + " " + target + " HTTP/1.1\r\nHost: mock\r\n" + strings.Join(headers, "") + "\r\n"
}

func runBadRawCorpus(t *testing.T, m *mock) int {
	t.Helper()
	addr := strings.TrimPrefix(m.URL, "http://")
	auth := "Authorization: Bearer " + defaultToken + "\r\n"
	ids := "MS-RequestId: " + uuid.NewString() + "\r\nMS-CorrelationId: " + uuid.NewString() + "\r\n"
	cases := []badRawCase{
		{name: "garbage request line", raw: "GARBAGE\r\n\r\n", exempt: true, status: 400},
		{name: "a bad % escape in the path", raw: badRawRequest("GET", "/v1/customers/%zz", auth), exempt: true, status: 400},
		{name: "a bad % escape in a control path", raw: badRawRequest("POST", "/_mock/snapshots/%G0"), exempt: true, status: 400},
		{name: "a lone % in the path", raw: badRawRequest("GET", "/v1/%", auth), exempt: true, status: 400},
		{name: "headers over 2 MiB", raw: badRawRequest("GET", "/v1/customers", auth, "X-Big: "+strings.Repeat("b", 2<<20)+"\r\n"), exempt: true, status: 431},
		{name: "a request line over 2 MiB", raw: badRawRequest("GET", "/v1/"+strings.Repeat("a", 2<<20), auth), exempt: true, status: 431},
		{name: "Transfer-Encoding gzip", raw: badRawRequest("POST", "/v1/customers", auth, "Transfer-Encoding: gzip\r\n") + "0\r\n\r\n", exempt: true, status: 501},
		{name: "Transfer-Encoding identity, chunked", raw: badRawRequest("POST", "/v1/customers", auth, "Transfer-Encoding: identity, chunked\r\n") + "0\r\n\r\n", exempt: true},
		{name: "HTTP/1.1 without Host", raw: "GET /v1/customers HTTP/1.1\r\n" + auth + "\r\n", exempt: true, status: 400},
		{name: "two Host headers", raw: badRawRequest("GET", "/v1/customers", auth, "Host: other\r\n"), exempt: true, status: 400},
		{name: "a header line without a colon", raw: badRawRequest("GET", "/v1/customers", auth, "NoColonHere\r\n"), exempt: true, status: 400},
		{name: "a NUL in a header value", raw: badRawRequest("GET", "/v1/customers", auth, "X-A: a\x00b\r\n"), exempt: true, status: 400},
		{name: "a space in a header name", raw: badRawRequest("GET", "/v1/customers", auth, "Bad Name: x\r\n"), exempt: true, status: 400},
		{name: "two different Content-Lengths", raw: badRawRequest("POST", "/v1/customers", auth, "Content-Length: 2\r\nContent-Length: 3\r\n") + "{}", exempt: true, status: 400},
		{name: "a negative Content-Length", raw: badRawRequest("POST", "/v1/customers", auth, "Content-Length: -1\r\n"), exempt: true, status: 400},
		{name: "a non-numeric Content-Length", raw: badRawRequest("POST", "/v1/customers", auth, "Content-Length: ten\r\n"), exempt: true, status: 400},
		{name: "an invalid method token", raw: "GE(T /v1/customers HTTP/1.1\r\nHost: mock\r\n\r\n", exempt: true, status: 400},
		{name: "an unknown HTTP version", raw: "GET /v1/customers HTTP/9.9\r\nHost: mock\r\n\r\n", exempt: true},
		{name: "HTTP/2 in a request line", raw: "GET /v1/customers HTTP/2.0\r\nHost: mock\r\n\r\n", exempt: true},
		{name: "a TLS ClientHello", raw: "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + strings.Repeat("\x00", 64) + "\r\n\r\n", exempt: true},
		{name: "a request line without a version", raw: "GET /v1/customers\r\n\r\n", exempt: true, status: 400},
		{name: "a space in the target", raw: "GET /v1/cus tomers HTTP/1.1\r\nHost: mock\r\n\r\n", exempt: true, status: 400},
		{name: "a control character in the target", raw: "GET /v1/\x01customers HTTP/1.1\r\nHost: mock\r\n\r\n", exempt: true, status: 400},
		{name: "an invalid Host", raw: "GET /v1/customers HTTP/1.1\r\nHost: a b\r\n\r\n", exempt: true, status: 400},

		// These reach the handlers, which must answer with error bodies.
		{name: "a body shorter than its Content-Length", raw: badRawRequest("POST", "/v1/customers", auth, "Content-Length: 100\r\n") + `{"companyProfile":`, halfOpen: true, status: 400},
		{name: "a bad chunk size", raw: badRawRequest("POST", "/v1/customers", auth, "Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n", status: 400},
		{name: "a chunked body cut short", raw: badRawRequest("POST", "/v1/sandboxIndirectReseller", auth, ids, "Transfer-Encoding: chunked\r\n") + "100\r\n{\"mpnId\"", halfOpen: true, status: 400},
		{name: "a chunked body over 1 MiB", raw: badRawRequest("POST", "/v1/customers", auth, "Transfer-Encoding: chunked\r\n") + badChunked(strings.Repeat("x", 1<<20+10)), status: 413},
		{name: "a token request body cut short", raw: badRawRequest("POST", "/common/oauth2/token", "Content-Length: 50\r\n") + "grant_type=client", halfOpen: true, status: 400, answer: answerPC},
		{name: "a control body cut short", raw: badRawRequest("POST", "/_mock/faults", "Content-Length: 50\r\n") + `{"status":`, halfOpen: true, status: 400},
		{name: "MS-RequestId of non-ASCII bytes on the reseller route", raw: badRawRequest("POST", "/v1/sandboxIndirectReseller", auth,
			"MS-RequestId: \xff\xfe"+uuid.NewString()[2:]+"\r\nMS-CorrelationId: "+uuid.NewString()+"\r\nContent-Length: 2\r\n") + "{}", status: 400},
		{name: "a continuation token of non-ASCII bytes", raw: badRawRequest("GET", "/v1/customers?seekOperation=Next", auth, "MS-ContinuationToken: \xc3\x28.\xa0\xa1\r\n"), status: 400},
		{name: "an absolute-form target to an unknown route", raw: badRawRequest("GET", "http://mock/v1/nothing", auth), status: 404},
		{name: "an asterisk target", raw: badRawRequest("GET", "*", auth), status: 404},
		{name: "raw non-ASCII bytes in the path", raw: badRawRequest("GET", "/v1/cust\xc3\xbcmers", auth), status: 404},
		{name: "an overlong Authorization scheme", raw: badRawRequest("GET", "/v1/customers", "Authorization: "+strings.Repeat("B", 5000)+"\r\n"), status: 401},
	}
	before := m.badState()
	for _, c := range cases {
		status, body, header, err := badRawExchange(addr, c.raw, c.halfOpen)
		switch {
		case c.exempt:
			// Only that the server stays up; the exact refusal is Go's.
			t.Logf("raw %s: Go's server answered %d (%v)", c.name, status, err)
			if err == nil && c.status != 0 && status != c.status {
				t.Errorf("raw %s: status %d, want %d", c.name, status, c.status)
			}
			if err == nil && status >= 500 && status != http.StatusNotImplemented && status != http.StatusHTTPVersionNotSupported {
				t.Errorf("raw %s: status %d", c.name, status)
			}
		case err != nil:
			t.Errorf("raw %s: %v", c.name, err)
		default:
			checkBadAnswer(t, badCase{name: "raw " + c.name, method: "RAW", path: badRawTarget(c.raw), status: c.status, answer: c.answer},
				reply{status: status, header: header, body: body})
		}
		if h := m.do(call{method: "GET", path: "/_mock/health"}); h.status != http.StatusOK {
			t.Fatalf("raw %s: the server is down afterwards", c.name)
		}
		if diff := m.badState().unchangedSince(before); diff != "" {
			t.Errorf("raw %s: the state changed: %s", c.name, diff)
			before = m.badState()
		}
	}
	return len(cases)
}

func badChunked(body string) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(len(body), 32<<10)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// badRawTarget is the request target of a raw request (for error-body checks).
func badRawTarget(raw string) string {
	line, _, _ := strings.Cut(raw, "\r\n")
	parts := strings.Split(line, " ")
	if len(parts) < 2 {
		return "/"
	}
	return strings.TrimPrefix(parts[1], "http://mock")
}

// badRawExchange writes raw to a new connection and reads one response.
func badRawExchange(addr, raw string, halfOpen bool) (int, []byte, http.Header, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Write on the side: a server refusing early may stop reading.
	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(conn, raw)
		if halfOpen {
			conn.(*net.TCPConn).CloseWrite()
		}
		written <- err
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		<-written
		return 0, nil, nil, fmt.Errorf("no response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil && !badIsConnReset(err) {
		return 0, nil, nil, fmt.Errorf("reading the body: %w", err)
	}
	conn.Close()
	<-written
	return resp.StatusCode, body, resp.Header, nil
}

func badIsConnReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "EOF") || os.IsTimeout(err))
}
