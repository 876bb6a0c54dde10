package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/mocksandbox/mocksandbox/store"
)

// Offers and agreement status (SPEC §11.1, §11.5).

const (
	codeNCEOnOffers       = 2100
	codeAgreementParams   = 2000
	codeAgreementMissing  = 2001
	codeAgreementNotFound = 2200
)

type offerJSON struct {
	ID                     string        `json:"id"`
	Name                   string        `json:"name"`
	MinimumQuantity        int           `json:"minimumQuantity"`
	MaximumQuantity        int           `json:"maximumQuantity"`
	URI                    string        `json:"uri"`
	Country                string        `json:"country"`
	IsAddOn                bool          `json:"isAddOn"`
	IsAvailableForPurchase bool          `json:"isAvailableForPurchase"`
	Billing                string        `json:"billing"`
	SupportedBillingCycles []string      `json:"supportedBillingCycles"`
	IsAutoRenewable        bool          `json:"isAutoRenewable"`
	IsTrial                bool          `json:"isTrial"`
	UnitType               string        `json:"unitType"`
	Links                  resourceLinks `json:"links"`
	Attributes             attributes    `json:"attributes"`
}

func newOfferJSON(o store.Offer, country string) offerJSON {
	uri := "/offers/" + o.ID + "?country=" + url.QueryEscape(country)
	return offerJSON{ID: o.ID, Name: o.Name, MinimumQuantity: o.MinimumQuantity, MaximumQuantity: o.MaximumQuantity,
		URI: uri, Country: country, IsAvailableForPurchase: true, Billing: "license",
		SupportedBillingCycles: []string{"monthly", "annual"}, IsAutoRenewable: !o.IsTrial, IsTrial: o.IsTrial,
		UnitType: "Licenses", Links: selfLink(uri), Attributes: attributes{"Offer"}}
}

// offersCountry reads the required ?country= of the offer routes.
func offersCountry(r *http.Request) (string, error) {
	q, err := queryOf(r)
	if err != nil {
		return "", err
	}
	c := queryValue(q, "country")
	if !countryPattern.MatchString(c) {
		return "", badInput("the country query parameter is required: a two-letter country code such as US, not %q", c)
	}
	return strings.ToUpper(c), nil
}

// listOffers is GET /v1/offers?country=XX: the license-based offers.
func (s *Server) listOffers(w http.ResponseWriter, r *http.Request) {
	country, err := offersCountry(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := []offerJSON{}
	for _, o := range s.catalog.legacy() {
		items = append(items, newOfferJSON(o, country))
	}
	respondJSON(w, r, http.StatusOK, newCollection(items, "/offers?country="+country))
}

// getOffer is GET /v1/offers/{offerId}?country=XX.
func (s *Server) getOffer(w http.ResponseWriter, r *http.Request) {
	country, err := offersCountry(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	id := pathParam(r, "offerId")
	o := s.catalog.lookup(id)
	switch {
	case o != nil && o.NCE, o == nil && strings.Count(id, ":") == 2:
		writeError(w, r, &routeError{http.StatusBadRequest, codeNCEOnOffers,
			"Offer " + id + " is a new-commerce catalog item id; /offers serves license-based offers only. Buy it through a cart (POST /v1/customers/{id}/carts)."})
	case o == nil:
		writeError(w, r, &store.UnknownOfferError{OfferID: id})
	default:
		respondJSON(w, r, http.StatusOK, newOfferJSON(*o, country))
	}
}

// agreementStatus is GET /v1/compliance/csp/agreementstatus?mpnId=|tenantId=.
func (s *Server) agreementStatus(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	mpn, tenant := queryValue(q, "mpnId"), queryValue(q, "tenantId")
	switch {
	case mpn == "" && tenant == "":
		writeError(w, r, &routeError{http.StatusBadRequest, codeAgreementMissing,
			"Send either mpnId (a reseller's PartnerID) or tenantId (a reseller's tenant id)."})
		return
	case mpn != "" && tenant != "":
		writeError(w, r, &routeError{http.StatusBadRequest, codeAgreementParams, "Send mpnId or tenantId, not both."})
		return
	case mpn != "" && !store.PartnerIDPattern.MatchString(mpn):
		writeError(w, r, &routeError{http.StatusBadRequest, codeAgreementParams, "mpnId must be a PartnerID of 1-10 digits, not " + strconv.Quote(mpn) + "."})
		return
	case tenant != "" && !isGUID(tenant):
		writeError(w, r, &routeError{http.StatusBadRequest, codeAgreementParams, "tenantId must be a GUID, not " + strconv.Quote(tenant) + "."})
		return
	}
	resellers, err := s.store.LiveResellers(r.Context(), requestOf(r).principal.Account.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	for _, res := range resellers {
		if res.MpnID == mpn || strings.EqualFold(res.ID, tenant) {
			respondJSON(w, r, http.StatusOK, map[string]bool{"isAgreementSigned": true})
			return
		}
	}
	writeError(w, r, &routeError{http.StatusBadRequest, codeAgreementNotFound,
		"No live indirect reseller of this account has that PartnerID or tenant id; GET /v1/relationships lists them."})
}

func isGUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
