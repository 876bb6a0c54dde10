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
// response omits location; the relationships list carries it.
type partnerRelationship struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	RelationshipType string     `json:"relationshipType"`
	State            string     `json:"state"`
	MpnID            string     `json:"mpnId"`
	Location         string     `json:"location,omitempty"`
	Attributes       attributes `json:"attributes"`
}
