package server

import "time"

// Partner Center wire types. Field order is the order of the documented
// examples; JSON names are exactly the documented camelCase.

// pcTime formats a time as Partner Center does: RFC 3339 UTC with seven
// fractional digits (2021-02-23T18:10:14.8461137Z).
func pcTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

type attributes struct {
	ObjectType string `json:"objectType"`
}

type link struct {
	URI     string       `json:"uri"`
	Method  string       `json:"method"`
	Headers []linkHeader `json:"headers"`
}

type linkHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type collectionLinks struct {
	Self link  `json:"self"`
	Next *link `json:"next,omitempty"`
}

type collection[T any] struct {
	TotalCount        int             `json:"totalCount"`
	Items             []T             `json:"items"`
	Links             collectionLinks `json:"links"`
	ContinuationToken string          `json:"continuationToken,omitempty"`
	Attributes        attributes      `json:"attributes"`
}

func newCollection[T any](items []T, selfURI string) collection[T] {
	if items == nil {
		items = []T{}
	}
	return collection[T]{
		TotalCount: len(items),
		Items:      items,
		Links:      collectionLinks{Self: link{URI: selfURI, Method: "GET", Headers: []linkHeader{}}},
		Attributes: attributes{"Collection"},
	}
}

// resellerCreated is the documented response of POST /v1/sandboxIndirectReseller.
type resellerCreated struct {
	AccountID           string              `json:"accountId"`
	MpnID               string              `json:"mpnId"`
	Tenant              resellerTenant      `json:"tenant"`
	AgreementSignature  agreementSignature  `json:"agreementSignature"`
	PartnerRelationship partnerRelationship `json:"partnerRelationship"`
}

type resellerTenant struct {
	ID               string `json:"id"`
	AdminUserAccount string `json:"adminUserAccount"`
	Password         string `json:"password"`
}

type agreementSignature struct {
	ID                        string     `json:"id"`
	AccountID                 string     `json:"accountId"`
	AgreementID               string     `json:"agreementId"`
	AgreementType             string     `json:"agreementType"`
	DateSigned                string     `json:"dateSigned"`
	SignedByFirstName         string     `json:"signedByFirstName"`
	SignedByUserPrincipalName string     `json:"signedByUserPrincipalName"`
	SignedByUserObjectID      string     `json:"signedByUserObjectId"`
	SignedByUserTenantID      string     `json:"signedByUserTenantId"`
	Attributes                attributes `json:"attributes"`
}

// partnerRelationship is a relationship between two partners. The create
// response omits location; the relationships list carries it; a
// customer's relationships carry neither state nor location.
type partnerRelationship struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	RelationshipType string     `json:"relationshipType"`
	State            string     `json:"state,omitempty"`
	MpnID            string     `json:"mpnId"`
	Location         string     `json:"location,omitempty"`
	Attributes       attributes `json:"attributes"`
}

type resourceLinks struct {
	Self link `json:"self"`
}

func selfLink(uri string) resourceLinks {
	return resourceLinks{Self: link{URI: uri, Method: "GET", Headers: []linkHeader{}}}
}

// customer is the Customer resource. The list omits billingProfile and
// allowDelegatedAccess (documented example); userCredentials appear only
// in the create response and its replays.
type customer struct {
	ID                    string           `json:"id"`
	CommerceID            string           `json:"commerceId"`
	CompanyProfile        companyProfile   `json:"companyProfile"`
	BillingProfile        *billingProfile  `json:"billingProfile,omitempty"`
	RelationshipToPartner string           `json:"relationshipToPartner"`
	AllowDelegatedAccess  *bool            `json:"allowDelegatedAccess,omitempty"`
	UserCredentials       *userCredentials `json:"userCredentials,omitempty"`
	AssociatedPartnerID   string           `json:"associatedPartnerId,omitempty"`
	Links                 resourceLinks    `json:"links"`
	Attributes            attributes       `json:"attributes"`
}

type companyProfile struct {
	TenantID    string        `json:"tenantId"`
	Domain      string        `json:"domain"`
	CompanyName string        `json:"companyName"`
	Links       resourceLinks `json:"links"`
	Attributes  attributes    `json:"attributes"`
}

type billingProfile struct {
	ID             string            `json:"id"`
	Email          string            `json:"email"`
	Culture        string            `json:"culture"`
	Language       string            `json:"language"`
	CompanyName    string            `json:"companyName"`
	DefaultAddress address           `json:"defaultAddress"`
	Attributes     billingAttributes `json:"attributes"`
}

type billingAttributes struct {
	ETag       string `json:"etag"`
	ObjectType string `json:"objectType"`
}

// address is a postal address; state is always present (SPEC §2.5).
type address struct {
	Country      string `json:"country"`
	City         string `json:"city,omitempty"`
	State        string `json:"state"`
	AddressLine1 string `json:"addressLine1,omitempty"`
	AddressLine2 string `json:"addressLine2,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

type userCredentials struct {
	UserName string `json:"userName"`
	Password string `json:"password"`
}

type organizationProfile struct {
	ID             string     `json:"id"`
	CompanyName    string     `json:"companyName"`
	TenantID       string     `json:"tenantId"`
	Domain         string     `json:"domain"`
	Email          string     `json:"email"`
	Language       string     `json:"language"`
	Culture        string     `json:"culture"`
	DefaultAddress address    `json:"defaultAddress"`
	Attributes     attributes `json:"attributes"`
}

type relationshipRequest struct {
	URL        string     `json:"url"`
	Attributes attributes `json:"attributes"`
}
