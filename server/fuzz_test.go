package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/store"
)

// Fuzz targets for request decoding and validation, filters, continuation
// tokens, the mock's JWTs and path normalisation (RELIABILITY.md). Seed
// corpora live in testdata/fuzz/<FuzzName>/; plain `go test` runs them as
// regular tests. Every target asserts properties, not just "no panic":
// refusals are bad input that classify maps to a 4xx, accepted values meet
// the spec's formats, and tokens survive only unaltered.

// fuzzBadInput fails unless err is bad input: a refusal that classify
// answers with a 4xx and a description (never a 5xx, SPEC §2.6).
func fuzzBadInput(t *testing.T, err error) {
	t.Helper()
	var in *inputError
	var route *routeError
	if !errors.As(err, &in) && !errors.As(err, &route) {
		t.Fatalf("refusal %T (%v) is not bad input", err, err)
	}
	status, code, desc := classify(err)
	if status < 400 || status > 499 || code == 0 || desc == "" {
		t.Fatalf("refusal %v answers %d %d %q, want a 4xx with a description", err, status, code, desc)
	}
}

// fuzzString checks an accepted string field: non-blank, at most 256 bytes.
func fuzzString(t *testing.T, name, v string) {
	t.Helper()
	if strings.TrimSpace(v) == "" || len(v) > 256 {
		t.Fatalf("%s = %q accepted", name, v)
	}
}

func FuzzParseObject(f *testing.F) {
	f.Add([]byte(`{"a":1,"B":{"c":[1,2,{"d":null}]},"e":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseObject(body)
		if err != nil {
			fuzzBadInput(t, err)
			return
		}
		v, err := decodeJSON(body)
		if err != nil {
			t.Fatalf("parseObject accepted what decodeJSON refuses: %v", err)
		}
		if depth(v) > maxDepth {
			t.Fatalf("accepted a body %d levels deep", depth(v))
		}
		for k, val := range o.props {
			if _, named := o.names[k]; k != strings.ToLower(k) || val == nil || !named {
				t.Fatalf("property %q = %v (name %q)", k, val, o.names[k])
			}
		}
		for k, name := range o.names {
			if k != strings.ToLower(name) {
				t.Fatalf("name %q filed under %q", name, k)
			}
		}
		// The idempotency fingerprint is the body's canonical form: stable,
		// and the same for any re-encoding of the same value (SPEC §6).
		fp := fingerprint(body)
		if !bytes.Equal(fp, fingerprint(body)) {
			t.Fatal("fingerprint is not deterministic")
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fp, fingerprint(again)) {
			t.Fatalf("fingerprint changes when %q is re-encoded as %q", body, again)
		}
	})
}

func FuzzParseNewReseller(f *testing.F) {
	f.Add([]byte(`{"mpnId":"6363276","tenant":{"domainPrefix":"x","name":"x","displayName":"x","adminUserName":"admin","adminFirstName":"a",` +
		`"adminLastName":"b","adminAlternateEmail":"a@b.c","country":"us","culture":"en-us"},"legalBusinessProfile":{"companyName":"x",` +
		`"address":{"country":"fr","city":"c","addressLine1":"l","postalCode":"1"},"primaryContact":{"firstName":"f","lastName":"l",` +
		`"email":"e@x.y","phoneNumber":"1"},"culture":"en-US"},"organizationProfileLanguage":"en"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseNewReseller(body)
		if err != nil {
			fuzzBadInput(t, err)
			return
		}
		if !store.PartnerIDPattern.MatchString(in.MpnID) || !domainPrefixPattern.MatchString(in.DomainPrefix) ||
			!userNamePattern.MatchString(in.AdminUserName) {
			t.Fatalf("accepted mpnId %q, domainPrefix %q, adminUserName %q", in.MpnID, in.DomainPrefix, in.AdminUserName)
		}
		for name, c := range map[string]string{"tenant.country": in.Country, "address.country": in.LegalProfile.Address.Country} {
			if !countryPattern.MatchString(c) || c != strings.ToUpper(c) {
				t.Fatalf("%s = %q accepted", name, c)
			}
		}
		for name, v := range map[string]string{"culture": in.Culture, "language": in.Language, "companyName": in.LegalProfile.CompanyName,
			"city": in.LegalProfile.Address.City, "addressLine1": in.LegalProfile.Address.AddressLine1,
			"postalCode": in.LegalProfile.Address.PostalCode, "firstName": in.LegalProfile.PrimaryContact.FirstName,
			"phoneNumber": in.LegalProfile.PrimaryContact.PhoneNumber, "legal culture": in.LegalProfile.Culture} {
			fuzzString(t, name, v)
		}
		if !emailPattern.MatchString(in.LegalProfile.PrimaryContact.Email) {
			t.Fatalf("primaryContact.email %q accepted", in.LegalProfile.PrimaryContact.Email)
		}
		if again, err := parseNewReseller(body); err != nil || !reflect.DeepEqual(again, in) {
			t.Fatalf("a second parse differs: %+v, %v", again, err)
		}
	})
}

func FuzzParseNewCustomer(f *testing.F) {
	f.Add([]byte(`{"companyProfile":{"domain":"contoso.onmicrosoft.com"},"billingProfile":{"email":"a@b.c","culture":"EN-us","language":"En",` +
		`"companyName":"Contoso","defaultAddress":{"firstName":"a","lastName":"b","addressLine1":"1","city":"c","postalCode":"1","country":"us"}},` +
		`"associatedPartnerId":""}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseNewCustomer(body)
		if err != nil {
			fuzzBadInput(t, err)
			return
		}
		b := in.Billing
		if !validDomain(in.Domain) || !emailPattern.MatchString(b.Email) {
			t.Fatalf("accepted domain %q, email %q", in.Domain, b.Email)
		}
		if store.NormaliseCulture(b.Culture) != b.Culture || b.Language != strings.ToLower(b.Language) {
			t.Fatalf("culture %q / language %q not normalised", b.Culture, b.Language)
		}
		if !countryPattern.MatchString(b.Address.Country) || b.Address.Country != strings.ToUpper(b.Address.Country) {
			t.Fatalf("country %q accepted", b.Address.Country)
		}
		for name, v := range map[string]string{"companyName": b.CompanyName, "firstName": b.Address.FirstName, "lastName": b.Address.LastName,
			"addressLine1": b.Address.AddressLine1, "city": b.Address.City, "postalCode": b.Address.PostalCode} {
			fuzzString(t, name, v)
		}
		if len(in.ResellerID) > 256 {
			t.Fatalf("associatedPartnerId of %d bytes accepted", len(in.ResellerID))
		}
	})
}

// fuzzCatalog is a server with only the built-in catalog, for the order and
// cart parsers.
func fuzzCatalog() *Server { return &Server{catalog: newCatalog(nil)} }

func FuzzParseOrderAndCart(f *testing.F) {
	f.Add([]byte(`{"referenceCustomerId":"c","billingCycle":"monthly","lineItems":[{"lineItemNumber":0,"offerId":"031C9E47-4802-4248-838E-778FB1D2CC05","quantity":5}]}`), "c")
	f.Add([]byte(`{"lineItems":[{"id":0,"catalogItemId":"CFQ7TTC0LH18:0001:CFQ7TTC0K971","quantity":2,"billingCycle":"annual","termDuration":"p1y",`+
		`"participants":[{"key":"transaction_reseller","value":"6363276"}]}],"quantity":3,"status":"Suspended","autoRenewEnabled":false}`), "")
	s := fuzzCatalog()
	f.Fuzz(func(t *testing.T, body []byte, customerID string) {
		if order, err := s.parseNewOrder(body, customerID); err != nil {
			fuzzBadInput(t, err)
		} else {
			if len(order.Lines) == 0 || (order.BillingCycle != "monthly" && order.BillingCycle != "annual") {
				t.Fatalf("accepted order %+v", order)
			}
			for i, l := range order.Lines {
				if l.LineNumber != i || strings.TrimSpace(l.OfferID) == "" || len(l.OfferID) > 256 {
					t.Fatalf("accepted line %d: %+v", i, l)
				}
				if l.Offer != nil && (l.Offer.ID != l.OfferID || (l.Offer.NCE && !fuzzHasTerm(l.Offer, l.TermDuration))) {
					t.Fatalf("line %d: offer %s with term %q", i, l.OfferID, l.TermDuration)
				}
			}
		}
		if lines, err := s.parseCartLines(body); err != nil {
			fuzzBadInput(t, err)
		} else {
			if len(lines) == 0 {
				t.Fatal("accepted a cart without lines")
			}
			for i, l := range lines {
				if (l.BillingCycle != "monthly" && l.BillingCycle != "annual") || strings.TrimSpace(l.CatalogItemID) == "" ||
					l.CurrencyCode != "USD" || l.OrderGroup != "0" {
					t.Fatalf("accepted cart line %d: %+v", i, l)
				}
				if l.Offer != nil && (!l.Offer.NCE || !fuzzHasTerm(l.Offer, l.TermDuration)) {
					t.Fatalf("cart line %d: offer %s with term %q", i, l.CatalogItemID, l.TermDuration)
				}
			}
		}
		if p, err := parseSubscriptionPatch(body); err != nil {
			fuzzBadInput(t, err)
		} else if p.Quantity < 0 || (p.Status != "" && p.Status != store.Active && p.Status != store.Suspended && p.Status != store.Deleted) {
			t.Fatalf("accepted patch %+v", p)
		}
	})
}

func fuzzHasTerm(o *store.Offer, term string) bool {
	for _, t := range o.TermDurations {
		if t == term {
			return true
		}
	}
	return false
}

func FuzzParseFaultRule(f *testing.F) {
	f.Add([]byte(`{"method":"get","path":"/v1/customers","status":429,"times":2}`))
	f.Add([]byte(`{"action":"delay","delay":300,"times":100}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseFaultRule(body)
		if err != nil {
			fuzzBadInput(t, err)
			return
		}
		ok := r.ID != "" && r.Times >= 1 && r.Remaining == r.Times && r.Method == strings.ToUpper(r.Method)
		switch r.Action {
		case "status":
			ok = ok && r.Status >= 400 && r.Status <= 599 && r.Code != 0 && r.Times <= 3 &&
				(r.Status != 429 || r.RetryAfter >= 1)
		case "delay":
			ok = ok && r.DelayMs > 0
		case "drop-after-commit":
			ok = ok && r.Times <= 3
		default:
			ok = false
		}
		if !ok {
			t.Fatalf("accepted rule %+v", r)
		}
	})
}

func FuzzParseCustomerFilter(f *testing.F) {
	f.Add(`{"Field":"IndirectReseller","Value":"484e548c-f5f3-4528-93a9-c16c6373cb59","Operator":"starts_with"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		filter, err := parseCustomerFilter(raw)
		if err != nil {
			fuzzBadInput(t, err)
			return
		}
		set := 0
		for _, v := range []string{filter.ResellerPrefix, filter.CompanyNamePrefix, filter.DomainPrefix} {
			if v != "" {
				set++
			}
			if len(v) > 256 {
				t.Fatalf("a filter value of %d bytes accepted", len(v))
			}
		}
		if set > 1 || filter.ResellerID != "" || (raw == "" && filter != (store.CustomerFilter{})) {
			t.Fatalf("filter %q read as %+v", raw, filter)
		}
	})
}

func FuzzParseNameFilter(f *testing.F) {
	f.Add(`{"Field":"Name","Value":"Con","Operator":"substring"}`, "Contoso")
	f.Fuzz(func(t *testing.T, raw, name string) {
		match, err := parseNameFilter(raw)
		if err != nil {
			fuzzBadInput(t, err)
			return
		}
		got := match(name)
		if raw == "" && !got {
			t.Fatal("no filter must match every name")
		}
		if got != match(name) {
			t.Fatal("a filter is not deterministic")
		}
	})
}

// fuzzTokenServer signs continuation tokens with a fixed key, the one the
// seed corpus's tokens were made with.
func fuzzTokenServer() *Server { return &Server{tokenKey: []byte("mocksandbox fuzz continuation key")} }

func FuzzDecodeCursor(f *testing.F) {
	s := fuzzTokenServer()
	const acct = "c0ffee00-0000-4000-8000-000000000001"
	f.Add(acct, int64(7), "484e", "Con", "", s.encodeCursor(cursor{Account: acct, After: 7}), uint16(3), byte('A'))
	f.Fuzz(func(t *testing.T, account string, after int64, reseller, company, domain, token string, pos uint16, b byte) {
		// Any token: never a panic; accepted only as the mock issues it.
		if c, err := s.decodeCursor(token, account); err != nil {
			fuzzBadInput(t, err)
		} else if again := s.encodeCursor(c); again != token {
			t.Fatalf("accepted %q, which the mock issues as %q", token, again)
		}
		// Accounts and filter values are always valid UTF-8 (GUIDs and
		// decoded JSON strings).
		if !utf8.ValidString(account) || !utf8.ValidString(reseller) || !utf8.ValidString(company) || !utf8.ValidString(domain) {
			return
		}
		want := cursor{Account: account, After: after, Filter: store.CustomerFilter{ResellerPrefix: reseller, CompanyNamePrefix: company, DomainPrefix: domain}}
		tok := s.encodeCursor(want)
		if got, err := s.decodeCursor(tok, account); err != nil || got != want {
			t.Fatalf("round trip of %+v: %+v, %v", want, got, err)
		}
		if _, err := s.decodeCursor(tok, account+"x"); err == nil {
			t.Fatal("another account's token accepted")
		}
		altered := []byte(tok)
		i := int(pos) % len(altered)
		if altered[i] == b {
			return
		}
		altered[i] = b
		if c, err := s.decodeCursor(string(altered), account); err == nil {
			t.Fatalf("altered token %q (byte %d of %q) accepted as %+v", altered, i, tok, c)
		}
	})
}

func FuzzVerifyToken(f *testing.F) {
	sg := newSigner([]byte("mocksandbox fuzz signing key"))
	now := time.Unix(1_800_000_000, 0)
	valid := claims{Aud: partnerCenterResource, Iss: "http://mock/t/", Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Unix() + 3600,
		AppID: "a", IDTyp: "user", OID: "o", Scp: scopeUserImpersonate, Tid: "t", UPN: "admin@contoso.onmicrosoft.com", Ver: "1.0"}
	f.Add("c0ffee00-0000-4000-8000-000000000001", "admin@contoso.onmicrosoft.com", int64(3600), sg.sign(valid), uint16(10), byte('x'))
	f.Fuzz(func(t *testing.T, tid, upn string, ttl int64, token string, pos uint16, b byte) {
		// Any bearer: never a panic; it verifies only as the mock signed it.
		if c, err := sg.verify(token, now); err == nil && sg.sign(c) != token {
			t.Fatalf("accepted %q, which the mock signs as %q", token, sg.sign(c))
		} else if err != nil && !errors.Is(err, errNotMockJWT) && !errors.Is(err, errBadToken) {
			t.Fatalf("verify: unexpected error %v", err)
		}
		if !utf8.ValidString(tid) || !utf8.ValidString(upn) {
			return
		}
		c := valid
		c.Tid, c.UPN, c.Exp = tid, upn, now.Unix()+ttl
		tok := sg.sign(c)
		got, err := sg.verify(tok, now)
		switch {
		case ttl <= 0 && err == nil:
			t.Fatalf("a token expired %ds ago verified", -ttl)
		case ttl > 0 && (err != nil || got != c):
			t.Fatalf("round trip: %+v, %v", got, err)
		}
		altered := []byte(tok)
		i := int(pos) % len(altered)
		if altered[i] == b {
			return
		}
		altered[i] = b
		if got, err := sg.verify(string(altered), now); err == nil {
			t.Fatalf("altered token (byte %d) verified as %+v", i, got)
		}
	})
}

// fuzzNormalizer is the path normaliser of a real server's routes.
func fuzzNormalizer(f *testing.F) *pathNormalizer {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	seed, err := fixtures.Default()
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(Config{Store: st, Logger: zerolog.Nop(), Seed: seed})
	if err != nil {
		f.Fatal(err)
	}
	return s.paths
}

func FuzzNormalizePath(f *testing.F) {
	n := fuzzNormalizer(f)
	f.Add("//V1//Customers/ABC/Profiles/billing/")
	f.Fuzz(func(t *testing.T, path string) {
		out := n.normalize(path)
		if !strings.HasPrefix(out, "/") || strings.Contains(out, "//") || (out != "/" && strings.HasSuffix(out, "/")) {
			t.Fatalf("normalize(%q) = %q", path, out)
		}
		if again := n.normalize(out); again != out {
			t.Fatalf("normalize is not idempotent: %q → %q → %q", path, out, again)
		}
		in, got := splitPath(path), splitPath(out)
		if len(in) != len(got) {
			t.Fatalf("normalize(%q) = %q changed the segments", path, out)
		}
		for i := range in {
			if !strings.EqualFold(in[i], got[i]) {
				t.Fatalf("normalize(%q) = %q changed segment %d beyond its case", path, out, i)
			}
		}
		if p := n.match(got); p != nil {
			for i, seg := range p.segs {
				if isParam(seg) && got[i] != in[i] {
					t.Fatalf("normalize(%q) = %q re-cased the parameter %s", path, out, seg)
				}
				if !isParam(seg) && got[i] != seg {
					t.Fatalf("normalize(%q) = %q: segment %d is not the route's %q", path, out, i, seg)
				}
			}
		}
	})
}

// FuzzAppendJSONString: the hand-written string encoder writes what
// encoding/json writes, for any bytes.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Add("Contoso \"Ltd\"\n\u2028<b>&amp;\xff\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		want := referenceJSON(t, s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzMayHoldSecret: the journal's one-pass check finds every secret
// name in any case, and every escape, that a plain search finds.
func FuzzMayHoldSecret(f *testing.F) {
	for _, s := range []string{`{"Password":"p"}`, `client_SECRET=x`, `{"refresh_Token":1}`, `{"pass\u0077ord":1}`,
		`{"a":"pas","s":"sword"}`, `_toke`, "PaSsWoRd", `{"items":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lower := bytes.ToLower(b)
		want := bytes.IndexByte(b, '\\') >= 0
		for _, mark := range []string{"password", "secret", "_token"} {
			want = want || bytes.Contains(lower, []byte(mark))
		}
		if got := mayHoldSecret(b); got != want {
			t.Fatalf("mayHoldSecret(%q) = %v, want %v", b, got, want)
		}
	})
}
