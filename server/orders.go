package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

// Orders (SPEC §11.2).

type orderJSON struct {
	ID                  string          `json:"id"`
	ReferenceCustomerID string          `json:"referenceCustomerId"`
	BillingCycle        string          `json:"billingCycle"`
	LineItems           []orderLineJSON `json:"lineItems"`
	CreationDate        string          `json:"creationDate"`
	Status              string          `json:"status"`
	Links               orderLinks      `json:"links"`
	Attributes          etagAttributes  `json:"attributes"`
}

type orderLineJSON struct {
	LineItemNumber    int            `json:"lineItemNumber"`
	OfferID           string         `json:"offerId"`
	SubscriptionID    string         `json:"subscriptionId"`
	FriendlyName      string         `json:"friendlyName,omitempty"`
	Quantity          int            `json:"quantity"`
	TermDuration      string         `json:"termDuration,omitempty"`
	PartnerIDOnRecord string         `json:"partnerIdOnRecord,omitempty"`
	Links             orderLineLinks `json:"links"`
}

type orderLineLinks struct {
	Subscription link `json:"subscription"`
}

type orderLinks struct {
	ProvisioningStatus link `json:"provisioningStatus"`
	Self               link `json:"self"`
}

type etagAttributes struct {
	ETag       string `json:"etag"`
	ObjectType string `json:"objectType"`
}

func getLink(uri string) link { return link{URI: uri, Method: "GET", Headers: []linkHeader{}} }

func newOrderJSON(o store.Order) orderJSON {
	base := "/customers/" + o.CustomerID
	out := orderJSON{
		ID: o.ID, ReferenceCustomerID: o.CustomerID, BillingCycle: o.BillingCycle,
		LineItems: []orderLineJSON{}, CreationDate: pcTime(o.CreatedAt), Status: "completed",
		Links: orderLinks{
			ProvisioningStatus: getLink(base + "/orders/" + o.ID + "/provisioningstatus"),
			Self:               getLink(base + "/orders/" + o.ID),
		},
		Attributes: etagAttributes{ETag: o.ETag, ObjectType: "Order"},
	}
	for _, l := range o.Lines {
		out.LineItems = append(out.LineItems, orderLineJSON{
			LineItemNumber: l.LineNumber, OfferID: l.OfferID, SubscriptionID: l.SubscriptionID,
			FriendlyName: l.FriendlyName, Quantity: l.Quantity, TermDuration: l.TermDuration,
			PartnerIDOnRecord: l.PartnerID,
			Links:             orderLineLinks{Subscription: getLink(base + "/subscriptions/" + l.SubscriptionID)},
		})
	}
	return out
}

// billingCycle reads an order's or cart line's billingCycle: monthly or
// annual; absent or "unknown" is monthly unless required.
func billingCycle(o object, required bool) (string, error) {
	v, _, err := o.str("billingCycle")
	if err != nil {
		return "", err
	}
	switch c := strings.ToLower(v); c {
	case "monthly", "annual":
		return c, nil
	case "", "unknown":
		if !required {
			return "monthly", nil
		}
		return "", badInput("%s is required: send monthly or annual", o.field("billingCycle"))
	}
	return "", badInput("%s must be monthly or annual, not %q", o.field("billingCycle"), v)
}

// termDuration checks an NCE term against the offer's terms (absent: the
// first); legacy offers ignore it.
func termDuration(o object, offer *store.Offer) (string, error) {
	term, _, err := o.str("termDuration")
	if err != nil || offer == nil || !offer.NCE {
		return "", err
	}
	if term == "" {
		return offer.TermDurations[0], nil
	}
	for _, t := range offer.TermDurations {
		if strings.EqualFold(t, term) {
			return t, nil
		}
	}
	return "", badInput("%s %q is not a term of offer %s; use one of %s", o.field("termDuration"), term, offer.ID, strings.Join(offer.TermDurations, ", "))
}

// parseNewOrder validates an order body (SPEC §11.2).
func (s *Server) parseNewOrder(body []byte, customerID string) (store.NewOrder, error) {
	var in store.NewOrder
	root, err := parseObject(body)
	if err != nil {
		return in, err
	}
	ref, hasRef, err := root.str("referenceCustomerId")
	if err != nil {
		return in, err
	}
	if hasRef && ref != "" && !strings.EqualFold(ref, customerID) {
		return in, badInput("$.referenceCustomerId %q is not the customer of the path (%s); send the same id or leave it out", ref, customerID)
	}
	if in.BillingCycle, err = billingCycle(root, false); err != nil {
		return in, err
	}
	lines, _, err := root.objects("lineItems")
	if err != nil {
		return in, err
	}
	if len(lines) == 0 {
		return in, badInput("$.lineItems is required: send at least one line item")
	}
	in.Lines = make([]store.OrderLine, len(lines))
	seen := make([]bool, len(lines))
	for _, lo := range lines {
		n, ok, err := lo.integer("lineItemNumber")
		if err != nil {
			return in, err
		}
		if !ok || n < 0 || n >= len(lines) || seen[n] {
			return in, &routeError{http.StatusBadRequest, codeLineNumbers, "Invalid line item numbers: lineItemNumber must number the lines 0 to n-1, each once."}
		}
		seen[n] = true
		l := store.OrderLine{LineNumber: n}
		if l.OfferID, err = lo.requiredStr("offerId"); err != nil {
			return in, err
		}
		if l.Offer = s.catalog.lookup(l.OfferID); l.Offer != nil {
			l.OfferID = l.Offer.ID // as the catalog spells it
		}
		q, ok, err := lo.integer("quantity")
		if err != nil {
			return in, err
		}
		if !ok {
			return in, badInput("%s is required: send the number of licenses", lo.field("quantity"))
		}
		l.Quantity = q
		if l.FriendlyName, _, err = lo.str("friendlyName"); err != nil {
			return in, err
		}
		if l.PartnerID, _, err = lo.str("partnerIdOnRecord"); err != nil {
			return in, err
		}
		if l.TermDuration, err = termDuration(lo, l.Offer); err != nil {
			return in, err
		}
		in.Lines[n] = l
	}
	return in, nil
}

// givesPartner reports whether any line names a partner of record, which
// needs App+User (SPEC §3.0).
func givesPartner(lines []store.OrderLine) bool {
	for _, l := range lines {
		if l.PartnerID != "" {
			return true
		}
	}
	return false
}

// createOrder is POST /v1/customers/{id}/orders.
func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	customerID := pathParam(r, "customerId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		in, err := s.parseNewOrder(req.body, customerID)
		if err != nil {
			return fail(ctx, err)
		}
		if givesPartner(in.Lines) && req.principal.AppOnly {
			return fail(ctx, errAppOnly)
		}
		order, _, err := tx.CreateOrder(ctx, req.principal.Account.ID, customerID, in)
		if err != nil {
			return fail(ctx, err)
		}
		return jsonResponse(http.StatusCreated, newOrderJSON(order))
	})
}

// listOrders is GET /v1/customers/{id}/orders.
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	orders, err := s.store.Orders(r.Context(), requestOf(r).principal.Account.ID, pathParam(r, "customerId"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]orderJSON, len(orders))
	for i, o := range orders {
		items[i] = newOrderJSON(o)
	}
	respondJSON(w, r, http.StatusOK, newCollection(items, "/customers/"+pathParam(r, "customerId")+"/orders"))
}

func (s *Server) orderOf(r *http.Request) (store.Order, error) {
	return s.store.OrderByID(r.Context(), requestOf(r).principal.Account.ID, pathParam(r, "customerId"), pathParam(r, "orderId"))
}

// getOrder is GET /v1/customers/{id}/orders/{orderId}.
func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.orderOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, newOrderJSON(o))
}

type provisioningStatusJSON struct {
	LineItemNumber int        `json:"lineItemNumber"`
	Status         string     `json:"status"`
	Attributes     attributes `json:"attributes"`
}

// provisioningStatus is GET …/orders/{orderId}/provisioningstatus: the mock
// provisions at once, so every line is fulfilled.
func (s *Server) provisioningStatus(w http.ResponseWriter, r *http.Request) {
	o, err := s.orderOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]provisioningStatusJSON, len(o.Lines))
	for i, l := range o.Lines {
		items[i] = provisioningStatusJSON{LineItemNumber: l.LineNumber, Status: "fulfilled", Attributes: attributes{"OrderLineItemProvisioningStatus"}}
	}
	respondJSON(w, r, http.StatusOK, newCollection(items, "/customers/"+o.CustomerID+"/orders/"+o.ID+"/provisioningstatus"))
}
