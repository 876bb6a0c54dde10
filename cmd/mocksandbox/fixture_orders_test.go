package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Orders, subscriptions and catalog entries of the two-accounts example.
const (
	adatumOrderID        = "5a0d0000-0000-4000-8000-0000000001a1"
	adatumSuspendedSubID = "5a0d0000-0000-4000-8000-0000000001b1"
	adatumNorthwindSubID = "5a0d0000-0000-4000-8000-0000000001b2" // partner of record: Northwind
	alpineSubID          = "b0e20000-0000-4000-8000-0000000001b1"
	northwindMpnID       = "6363276"
	minimum30Offer       = "b0e20000-0000-4000-8000-000000000030" // fixture catalog: 30-500 licenses
	threeTermsOffer      = "CFQ7TTC0MOCK:0001:CFQ7TTC0MCK1"       // fixture catalog: NCE, P1M, P1Y and P3Y
)

// servedSubscription is the part of a Subscription the fixture sets.
type servedSubscription struct {
	ID                string `json:"id"`
	OfferID           string `json:"offerId"`
	OfferName         string `json:"offerName"`
	FriendlyName      string `json:"friendlyName"`
	Quantity          int    `json:"quantity"`
	Status            string `json:"status"`
	AutoRenewEnabled  bool   `json:"autoRenewEnabled"`
	BillingCycle      string `json:"billingCycle"`
	TermDuration      string `json:"termDuration"`
	PartnerID         string `json:"partnerId"`
	OrderID           string `json:"orderId"`
	CreationDate      string `json:"creationDate"`
	CommitmentEndDate string `json:"commitmentEndDate"`
	Attributes        struct {
		ETag string `json:"etag"`
	} `json:"attributes"`
}

func TestFixtureOrdersSubscriptionsAndCatalogAreServed(t *testing.T) {
	t.Parallel()
	p := startMock(t, "--fixtures", twoAccounts)
	subscriptions := func(token, customerID, query string) []servedSubscription {
		t.Helper()
		var list struct {
			Items []servedSubscription `json:"items"`
		}
		getJSON(t, p.url, token, "/v1/customers/"+customerID+"/subscriptions"+query, &list)
		return list.Items
	}

	t.Run("?mpn_id= lists the fixture subscription whose partner of record is the reseller", func(t *testing.T) {
		got := subscriptions(sandboxToken, adatumID, "?mpn_id="+northwindMpnID)
		if len(got) != 1 {
			t.Fatalf("%d subscriptions, want 1: %+v", len(got), got)
		}
		s := got[0]
		if s.ID != adatumNorthwindSubID || s.PartnerID != northwindMpnID || s.Status != "active" || s.OrderID != adatumOrderID ||
			s.OfferID != "CFQ7TTC0LH18:0001:CFQ7TTC0K971" || s.OfferName != "Microsoft 365 Business Basic" || s.FriendlyName != s.OfferName ||
			s.Quantity != 5 || s.TermDuration != "P1Y" || s.AutoRenewEnabled || s.BillingCycle != "monthly" || s.Attributes.ETag == "" {
			t.Errorf("subscription %+v", s)
		}
		if s.CreationDate != "2024-04-01T10:00:00.0000000Z" || s.CommitmentEndDate != "2025-04-01T10:00:00.0000000Z" {
			t.Errorf("created %s, commitment end %s: the order's time and one year (P1Y) later", s.CreationDate, s.CommitmentEndDate)
		}
	})
	t.Run("the customer's list holds the suspended one too, in fixture order", func(t *testing.T) {
		got := subscriptions(sandboxToken, adatumID, "")
		if len(got) != 2 || got[0].ID != adatumSuspendedSubID || got[1].ID != adatumNorthwindSubID {
			t.Fatalf("subscriptions %+v", got)
		}
		if s := got[0]; s.Status != "suspended" || s.FriendlyName != "Adatum Business Premium" || s.PartnerID != "" || !s.AutoRenewEnabled ||
			s.CommitmentEndDate != "2025-04-01T10:00:00.0000000Z" {
			t.Errorf("suspended subscription %+v", s)
		}
		if got := subscriptions(sandboxToken, adatumID, "?order_id="+strings.ToUpper(adatumOrderID)); len(got) != 2 {
			t.Errorf("?order_id= lists %d subscriptions, want the order's 2", len(got))
		}
	})
	t.Run("the fixture order is served with its lines", func(t *testing.T) {
		var o struct {
			ID        string `json:"id"`
			LineItems []struct {
				LineItemNumber    int    `json:"lineItemNumber"`
				SubscriptionID    string `json:"subscriptionId"`
				PartnerIDOnRecord string `json:"partnerIdOnRecord"`
				TermDuration      string `json:"termDuration"`
			} `json:"lineItems"`
		}
		getJSON(t, p.url, sandboxToken, "/v1/customers/"+adatumID+"/orders/"+adatumOrderID, &o)
		if o.ID != adatumOrderID || len(o.LineItems) != 2 || o.LineItems[1].SubscriptionID != adatumNorthwindSubID ||
			o.LineItems[1].PartnerIDOnRecord != northwindMpnID || o.LineItems[1].TermDuration != "P1Y" {
			t.Errorf("order %+v", o)
		}
	})
	t.Run("a subscription of a fixture-catalog offer takes its name", func(t *testing.T) {
		got := subscriptions(primaryToken, alpineID, "")
		if len(got) != 1 || got[0].ID != alpineSubID || got[0].OfferName != "Mock offer with a 30-license minimum" || got[0].BillingCycle != "annual" || got[0].Quantity != 40 {
			t.Errorf("subscriptions %+v", got)
		}
	})
	t.Run("fixture-catalog offers can be ordered", func(t *testing.T) {
		// The primary account sets no licenses limit: 30 licenses are fine.
		body := []byte(`{"lineItems":[{"lineItemNumber":0,"offerId":"` + strings.ToUpper(minimum30Offer) + `","quantity":30}]}`)
		resp := do(t, p.url, pcRequest{method: http.MethodPost, path: "/v1/customers/" + cohoWineryID + "/orders", token: primaryToken, body: body})
		if resp.status != http.StatusCreated || !strings.Contains(string(resp.body), `"offerId":"`+minimum30Offer+`"`) {
			t.Errorf("order of the 30-license offer: %d %s (want 201, the id as the catalog spells it)", resp.status, resp.body)
		}
		// The sandbox allows 25 licenses per subscription: sandbox rule 1.
		body = []byte(`{"lineItems":[{"lineItemNumber":0,"offerId":"` + minimum30Offer + `","quantity":30}]}`)
		resp = do(t, p.url, pcRequest{method: http.MethodPost, path: "/v1/customers/" + contosoID + "/orders", token: sandboxToken, body: body})
		requireError(t, "the 30-license offer in the sandbox", resp, http.StatusForbidden, 900322)
		// A term only the fixture entry lists.
		body = []byte(`{"lineItems":[{"lineItemNumber":0,"offerId":"` + threeTermsOffer + `","quantity":3,"termDuration":"P3Y"}]}`)
		resp = do(t, p.url, pcRequest{method: http.MethodPost, path: "/v1/customers/" + contosoID + "/orders", token: sandboxToken, body: body})
		if resp.status != http.StatusCreated || !strings.Contains(string(resp.body), `"termDuration":"P3Y"`) {
			t.Errorf("order of the fixture NCE offer for P3Y: %d %s", resp.status, resp.body)
		}
	})
	t.Run("GET /_mock/state holds the orders, the subscriptions and only the fixture catalog", func(t *testing.T) {
		var state struct {
			Accounts []struct {
				Customers []struct {
					ID     string `json:"id"`
					Orders []struct {
						ID string `json:"id"`
					} `json:"orders"`
					Subscriptions []struct {
						ID     string `json:"id"`
						Status string `json:"status"`
					} `json:"subscriptions"`
				} `json:"customers"`
			} `json:"accounts"`
			Catalog []struct {
				ID string `json:"id"`
			} `json:"catalog"`
		}
		getJSON(t, p.url, "", "/_mock/state", &state)
		var catalog []string
		for _, o := range state.Catalog {
			catalog = append(catalog, o.ID)
		}
		if want := []string{minimum30Offer, threeTermsOffer}; !reflect.DeepEqual(catalog, want) {
			t.Errorf("catalog %q, want the fixture's entries %q", catalog, want)
		}
		orders, subs := map[string]int{}, map[string][]string{}
		for _, a := range state.Accounts {
			for _, c := range a.Customers {
				orders[c.ID] = len(c.Orders)
				for _, s := range c.Subscriptions {
					subs[c.ID] = append(subs[c.ID], s.ID+" "+s.Status)
				}
			}
		}
		if orders[adatumID] != 1 || orders[cohoWineryID] != 1 || orders[contosoID] != 1 || orders[alpineID] != 0 {
			t.Errorf("orders per customer %v: the fixture's and the two placed here", orders)
		}
		if want := []string{adatumSuspendedSubID + " suspended", adatumNorthwindSubID + " active"}; !reflect.DeepEqual(subs[adatumID], want) {
			t.Errorf("adatum's subscriptions %q, want %q", subs[adatumID], want)
		}
		if len(subs[alpineID]) != 1 || len(subs[cohoWineryID]) != 1 || len(subs[contosoID]) != 1 {
			t.Errorf("subscriptions %v", subs)
		}
	})
	t.Run("orders placed and a subscription changed here load back from the state", func(t *testing.T) {
		patch := []byte(`{"id":"` + adatumNorthwindSubID + `","quantity":7,"friendlyName":"Renamed","autoRenewEnabled":true}`)
		resp := do(t, p.url, pcRequest{method: http.MethodPatch, path: "/v1/customers/" + adatumID + "/subscriptions/" + adatumNorthwindSubID, token: sandboxToken, body: patch})
		if resp.status != http.StatusOK {
			t.Fatalf("PATCH: %d %s", resp.status, resp.body)
		}
		state := do(t, p.url, pcRequest{method: http.MethodGet, path: "/_mock/state"})
		file := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(file, state.body, 0o644); err != nil {
			t.Fatal(err)
		}
		again := do(t, startMock(t, "--fixtures", file).url, pcRequest{method: http.MethodGet, path: "/_mock/state"})
		if state.status != http.StatusOK || !bytes.Equal(again.body, state.body) {
			t.Errorf("the reloaded state differs\nfirst:  %s\nsecond: %s", state.body, again.body)
		}
	})
}
