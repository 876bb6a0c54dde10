package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

// Subscriptions (SPEC §11.4).

type subscriptionJSON struct {
	ID                 string            `json:"id"`
	OfferID            string            `json:"offerId"`
	OfferName          string            `json:"offerName"`
	FriendlyName       string            `json:"friendlyName"`
	Quantity           int               `json:"quantity"`
	UnitType           string            `json:"unitType"`
	CreationDate       string            `json:"creationDate"`
	EffectiveStartDate string            `json:"effectiveStartDate"`
	CommitmentEndDate  string            `json:"commitmentEndDate"`
	Status             string            `json:"status"`
	AutoRenewEnabled   bool              `json:"autoRenewEnabled"`
	BillingType        string            `json:"billingType"`
	BillingCycle       string            `json:"billingCycle"`
	TermDuration       string            `json:"termDuration,omitempty"`
	IsTrial            bool              `json:"isTrial"`
	ContractType       string            `json:"contractType"`
	PartnerID          string            `json:"partnerId"`
	OrderID            string            `json:"orderId"`
	Links              subscriptionLinks `json:"links"`
	Attributes         etagAttributes    `json:"attributes"`
}

// subscriptionLinks: offer for a license-based subscription, product, sku
// and availability for a new-commerce one; self always.
type subscriptionLinks struct {
	Offer        *link `json:"offer,omitempty"`
	Product      *link `json:"product,omitempty"`
	SKU          *link `json:"sku,omitempty"`
	Availability *link `json:"availability,omitempty"`
	Self         link  `json:"self"`
}

func newSubscriptionJSON(s store.Subscription) subscriptionJSON {
	links := subscriptionLinks{Self: getLink("/customers/" + s.CustomerID + "/subscriptions/" + s.ID)}
	if product, sku, availability, ok := ncePath(s.OfferID); ok && s.NCE {
		p, k, a := getLink("/products/"+product), getLink("/products/"+product+"/skus/"+sku),
			getLink("/products/"+product+"/skus/"+sku+"/availabilities/"+availability)
		links.Product, links.SKU, links.Availability = &p, &k, &a
	} else {
		o := getLink("/offers/" + s.OfferID)
		links.Offer = &o
	}
	return subscriptionJSON{
		ID: s.ID, OfferID: s.OfferID, OfferName: s.OfferName, FriendlyName: s.FriendlyName, Quantity: s.Quantity,
		UnitType: "Licenses", CreationDate: pcTime(s.CreatedAt), EffectiveStartDate: pcTime(s.CreatedAt),
		CommitmentEndDate: pcTime(s.CommitmentEnd), Status: s.Status, AutoRenewEnabled: s.AutoRenew,
		BillingType: "license", BillingCycle: s.BillingCycle, TermDuration: s.TermDuration, IsTrial: s.IsTrial,
		ContractType: "subscription", PartnerID: s.PartnerID, OrderID: s.OrderID, Links: links,
		Attributes: etagAttributes{ETag: s.ETag, ObjectType: "Subscription"},
	}
}

// ncePath splits an NCE catalog item id product:sku:availability.
func ncePath(id string) (product, sku, availability string, ok bool) {
	parts := strings.Split(id, ":")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// listSubscriptions is GET /v1/customers/{id}/subscriptions[?mpn_id=&order_id=].
func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	if _, err := s.customerOf(r); err != nil {
		writeError(w, r, err)
		return
	}
	q, err := queryOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	subs, err := s.store.Subscriptions(r.Context(), requestOf(r).principal.Account.ID, pathParam(r, "customerId"),
		store.SubscriptionFilter{PartnerID: queryValue(q, "mpn_id"), OrderID: queryValue(q, "order_id")})
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]subscriptionJSON, len(subs))
	for i, sub := range subs {
		items[i] = newSubscriptionJSON(sub)
	}
	respondJSON(w, r, http.StatusOK, newCollection(items, "/customers/"+pathParam(r, "customerId")+"/subscriptions"))
}

// getSubscription is GET /v1/customers/{id}/subscriptions/{subscriptionId}.
func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request) {
	if _, err := s.customerOf(r); err != nil {
		writeError(w, r, err)
		return
	}
	sub, err := s.store.SubscriptionByID(r.Context(), requestOf(r).principal.Account.ID, pathParam(r, "customerId"), pathParam(r, "subscriptionId"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, newSubscriptionJSON(sub))
}

// parseSubscriptionPatch reads the full resource a PATCH sends; only
// quantity, status, friendlyName, autoRenewEnabled and partnerId matter.
func parseSubscriptionPatch(body []byte) (store.SubscriptionPatch, error) {
	var p store.SubscriptionPatch
	o, err := parseObject(body)
	if err != nil {
		return p, err
	}
	if p.Quantity, _, err = o.integer("quantity"); err != nil {
		return p, err
	}
	if p.Quantity < 0 {
		return p, badInput("$.quantity must be a positive number of licenses (0 leaves it unchanged), not %d", p.Quantity)
	}
	status, _, err := o.str("status")
	if err != nil {
		return p, err
	}
	switch strings.ToLower(status) {
	case "", "none":
	case store.Active, store.Suspended, store.Deleted:
		p.Status = strings.ToLower(status)
	default:
		return p, badInput("$.status must be active, suspended or deleted (none leaves it unchanged), not %q", status)
	}
	if p.FriendlyName, _, err = o.str("friendlyName"); err != nil {
		return p, err
	}
	if p.AutoRenew, _, err = o.boolean("autoRenewEnabled"); err != nil {
		return p, err
	}
	if p.PartnerID, _, err = o.str("partnerId"); err != nil {
		return p, err
	}
	return p, nil
}

// patchSubscription is PATCH /v1/customers/{id}/subscriptions/{subscriptionId}.
func (s *Server) patchSubscription(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	customerID, subID := pathParam(r, "customerId"), pathParam(r, "subscriptionId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		p, err := parseSubscriptionPatch(req.body)
		if err != nil {
			return fail(ctx, err)
		}
		if p.PartnerID != "" && req.principal.AppOnly {
			return fail(ctx, errAppOnly)
		}
		p.IfMatch = r.Header.Get("If-Match")
		p.Offer = s.catalog.lookup
		sub, err := tx.PatchSubscription(ctx, req.principal.Account.ID, customerID, subID, p)
		if err != nil {
			return fail(ctx, err)
		}
		return jsonResponse(http.StatusOK, newSubscriptionJSON(sub))
	})
}
