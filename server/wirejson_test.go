package server

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// referenceJSON is what encoding/json writes for v with HTML escaping
// off: what the hand-written encoders must match byte for byte.
func referenceJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// awkward are pieces of strings that every escaping rule meets.
var awkward = []string{"", "a", "Contoso Ltd", `"`, `\`, "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
	"<&>", "é", "日本", "\u2028", "\u2029", "😀", "\xff", "\xe2\x80", "\xc3", "ü\xa0", "/", "'"}

func randomString(r *rand.Rand) string {
	var sb strings.Builder
	for range r.IntN(6) {
		sb.WriteString(awkward[r.IntN(len(awkward))])
	}
	return sb.String()
}

func randomCustomer(r *rand.Rand) customer {
	s := func() string { return randomString(r) }
	c := customer{
		ID: s(), CommerceID: s(), RelationshipToPartner: s(), AssociatedPartnerID: s(),
		CompanyProfile: companyProfile{TenantID: s(), Domain: s(), CompanyName: s(),
			Links: selfLink(s()), Attributes: attributes{s()}},
		Links:      resourceLinks{Self: link{URI: s(), Method: s()}}, // nil headers: null
		Attributes: attributes{s()},
	}
	if r.IntN(2) == 0 {
		c.Links = selfLink(s())
		c.Links.Self.Headers = append(c.Links.Self.Headers, linkHeader{Key: s(), Value: s()}, linkHeader{Key: s(), Value: s()})
	}
	if r.IntN(2) == 0 {
		yes := r.IntN(2) == 0
		c.AllowDelegatedAccess = &yes
		c.BillingProfile = &billingProfile{ID: s(), Email: s(), Culture: s(), Language: s(), CompanyName: s(),
			DefaultAddress: address{Country: s(), City: s(), State: s(), AddressLine1: s(), AddressLine2: s(),
				PostalCode: s(), FirstName: s(), LastName: s(), PhoneNumber: s()},
			Attributes: billingAttributes{ETag: s(), ObjectType: s()}}
	}
	if r.IntN(3) == 0 {
		c.UserCredentials = &userCredentials{UserName: s(), Password: s()}
	}
	return c
}

func TestHandWrittenEncodersMatchEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var v jsonAppender
		switch i % 3 {
		case 0:
			v = randomCustomer(r)
		case 1:
			items := make([]customer, r.IntN(4))
			for j := range items {
				items[j] = randomCustomer(r)
			}
			col := customerCollection(newCollection(items, randomString(r)))
			if r.IntN(2) == 0 {
				col.ContinuationToken = randomString(r)
				col.Links.Next = &link{URI: randomString(r), Method: "GET", Headers: []linkHeader{{Key: "MS-ContinuationToken", Value: randomString(r)}}}
			}
			if r.IntN(8) == 0 {
				col.Items = nil
			}
			v = col
		default:
			v = randomCustomer(r).CompanyProfile
		}
		want := referenceJSON(t, v)
		if got := v.appendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("%T:\n got %s\nwant %s", v, got, want)
		}
		if got := mustJSON(v); !bytes.Equal(got, want) {
			t.Fatalf("mustJSON(%T) does not use the same bytes:\n got %s\nwant %s", v, got, want)
		}
	}
}
