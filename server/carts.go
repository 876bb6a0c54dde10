package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

// Carts, the new-commerce buying flow (SPEC §11.3).

type cartJSON struct {
	ID                    string         `json:"id"`
	CreationTimestamp     string         `json:"creationTimestamp"`
	LastModifiedTimestamp string         `json:"lastModifiedTimestamp"`
	ExpirationTimestamp   string         `json:"expirationTimestamp"`
	Status                string         `json:"status"`
	LineItems             []cartLineJSON `json:"lineItems"`
	Links                 resourceLinks  `json:"links"`
	Attributes            attributes     `json:"attributes"`
}

type cartLineJSON struct {
	ID            json.RawMessage     `json:"id"`
	CatalogItemID string              `json:"catalogItemId"`
	FriendlyName  string              `json:"friendlyName,omitempty"`
	Quantity      int                 `json:"quantity"`
	BillingCycle  string              `json:"billingCycle"`
	TermDuration  string              `json:"termDuration,omitempty"`
	Participants  []store.Participant `json:"participants"`
	CurrencyCode  string              `json:"currencyCode"`
	OrderGroup    string              `json:"orderGroup"`
}

func newCartJSON(c store.Cart) cartJSON {
	out := cartJSON{ID: c.ID, CreationTimestamp: pcTime(c.CreatedAt), LastModifiedTimestamp: pcTime(c.ModifiedAt),
		ExpirationTimestamp: pcTime(c.ExpiresAt), Status: c.Status, LineItems: []cartLineJSON{},
		Links: selfLink("/customers/" + c.CustomerID + "/carts/" + c.ID), Attributes: attributes{"Cart"}}
	for _, l := range c.Lines {
		// A numeric line id is echoed as a number, as clients send it.
		id := json.RawMessage(strconv.Quote(l.ID))
		if _, err := strconv.Atoi(l.ID); err == nil {
			id = json.RawMessage(l.ID)
		}
		participants := l.Participants
		if participants == nil {
			participants = []store.Participant{}
		}
		out.LineItems = append(out.LineItems, cartLineJSON{ID: id, CatalogItemID: l.CatalogItemID, FriendlyName: l.FriendlyName,
			Quantity: l.Quantity, BillingCycle: l.BillingCycle, TermDuration: l.TermDuration, Participants: participants,
			CurrencyCode: l.CurrencyCode, OrderGroup: l.OrderGroup})
	}
	return out
}

const transactionReseller = "transaction_reseller"

// parseCartLines validates a cart body like an order body (SPEC §11.3).
func (s *Server) parseCartLines(body []byte) ([]store.CartLine, error) {
	root, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	items, _, err := root.objects("lineItems")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, badInput("$.lineItems is required: send at least one line item")
	}
	lines := make([]store.CartLine, len(items))
	for i, lo := range items {
		l := store.CartLine{CurrencyCode: "USD", OrderGroup: "0"}
		if l.ID, err = cartLineID(lo, i); err != nil {
			return nil, err
		}
		if l.CatalogItemID, err = lo.requiredStr("catalogItemId"); err != nil {
			return nil, err
		}
		if offer := s.catalog.lookup(l.CatalogItemID); offer != nil && offer.NCE {
			l.Offer, l.CatalogItemID = offer, offer.ID
		}
		q, ok, err := lo.integer("quantity")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, badInput("%s is required: send the number of licenses", lo.field("quantity"))
		}
		l.Quantity = q
		if l.BillingCycle, err = billingCycle(lo, true); err != nil {
			return nil, err
		}
		if l.TermDuration, err = termDuration(lo, l.Offer); err != nil {
			return nil, err
		}
		if l.FriendlyName, _, err = lo.str("friendlyName"); err != nil {
			return nil, err
		}
		participants, _, err := lo.objects("participants")
		if err != nil {
			return nil, err
		}
		for _, p := range participants {
			key, _, err := p.str("key")
			if err != nil {
				return nil, err
			}
			value, _, err := p.str("value")
			if err != nil {
				return nil, err
			}
			l.Participants = append(l.Participants, store.Participant{Key: key, Value: value})
			if strings.EqualFold(key, transactionReseller) {
				l.PartnerID = value
			}
		}
		lines[i] = l
	}
	return lines, nil
}

// cartLineID keeps the id a line was sent with (string or number), else
// its index.
func cartLineID(o object, index int) (string, error) {
	v, ok := o.lookup("id")
	if !ok {
		return strconv.Itoa(index), nil
	}
	switch id := v.(type) {
	case string:
		return id, nil
	case json.Number:
		if _, err := strconv.Atoi(id.String()); err == nil {
			return id.String(), nil
		}
	}
	return "", badInput("%s must be a string or a whole number", o.field("id"))
}

// cartLinesOf reads the request's cart lines; naming a partner of record
// needs App+User (SPEC §3.0), so an app-only caller may not.
func (s *Server) cartLinesOf(req *request) ([]store.CartLine, error) {
	lines, err := s.parseCartLines(req.body)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		if l.PartnerID != "" && req.principal.AppOnly {
			return nil, errAppOnly
		}
	}
	return lines, nil
}

// createCart is POST /v1/customers/{id}/carts.
func (s *Server) createCart(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	customerID := pathParam(r, "customerId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		lines, err := s.cartLinesOf(req)
		if err != nil {
			return fail(ctx, err)
		}
		cart, err := tx.CreateCart(ctx, req.principal.Account.ID, customerID, lines)
		if err != nil {
			return fail(ctx, err)
		}
		return jsonResponse(http.StatusCreated, newCartJSON(cart))
	})
}

// getCart is GET /v1/customers/{id}/carts/{cartId}.
func (s *Server) getCart(w http.ResponseWriter, r *http.Request) {
	cart, err := s.store.CartByID(r.Context(), requestOf(r).principal.Account.ID, pathParam(r, "customerId"), pathParam(r, "cartId"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, newCartJSON(cart))
}

// putCart is PUT /v1/customers/{id}/carts/{cartId}: new line items. Not
// keyed for idempotency (SPEC §6 keys POST, PATCH and DELETE).
func (s *Server) putCart(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	customerID, cartID := pathParam(r, "customerId"), pathParam(r, "cartId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		lines, err := s.cartLinesOf(req)
		if err != nil {
			return fail(ctx, err)
		}
		cart, err := tx.ReplaceCartLines(ctx, req.principal.Account.ID, customerID, cartID, lines)
		if err != nil {
			return fail(ctx, err)
		}
		return jsonResponse(http.StatusOK, newCartJSON(cart))
	})
}

type checkoutJSON struct {
	Orders      []orderJSON         `json:"orders"`
	OrderErrors []checkoutErrorJSON `json:"orderErrors"`
}

type checkoutErrorJSON struct {
	OrderGroupID string `json:"orderGroupId"`
	Code         int    `json:"code"`
	Description  string `json:"description"`
}

// checkoutCart is POST /v1/customers/{id}/carts/{cartId}/checkout: one
// order for all lines, or none with orderErrors.
func (s *Server) checkoutCart(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	customerID, cartID := pathParam(r, "customerId"), pathParam(r, "cartId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		order, _, failure, err := tx.CheckoutCart(ctx, req.principal.Account.ID, customerID, cartID)
		if err != nil {
			return fail(ctx, err)
		}
		out := checkoutJSON{Orders: []orderJSON{}, OrderErrors: []checkoutErrorJSON{}}
		if failure != nil {
			_, _, desc := classify(failure.Err)
			out.OrderErrors = append(out.OrderErrors, checkoutErrorJSON{OrderGroupID: "0", Code: failure.Code,
				Description: fmt.Sprintf("Line item %d: %s", failure.Line, desc)})
		} else {
			out.Orders = append(out.Orders, newOrderJSON(order))
		}
		return jsonResponse(http.StatusCreated, out)
	})
}
