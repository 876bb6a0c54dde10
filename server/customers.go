package server

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

var (
	domainLabelPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	culturePattern     = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// validDomain: a DNS name of at most 253 characters with at least two
// labels of 1-63 letters, digits and '-', not starting or ending with '-'.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !domainLabelPattern.MatchString(l) {
			return false
		}
	}
	return true
}

// parseNewCustomer validates a customer create body (SPEC §3.4). Fields the
// server sets (ids, relationshipToPartner, userCredentials, ...) are ignored.
func parseNewCustomer(body []byte) (store.NewCustomer, error) {
	var in store.NewCustomer
	root, err := parseObject(body)
	if err != nil {
		return in, err
	}
	company, err := root.requiredObj("companyProfile")
	if err != nil {
		return in, err
	}
	if in.Domain, err = company.requiredStr("domain"); err != nil {
		return in, err
	}
	if !validDomain(in.Domain) {
		return in, badInput("$.companyProfile.domain must be a domain name such as contoso.onmicrosoft.com (labels of letters, digits and '-'), not %q", in.Domain)
	}
	billing, err := root.requiredObj("billingProfile")
	if err != nil {
		return in, err
	}
	b := &in.Billing
	err = readStrings(billing, []stringField{
		{name: "email", dst: &b.Email, format: emailPattern, want: "an email address such as admin@contoso.com"},
		{name: "culture", dst: &b.Culture, format: culturePattern, want: "a culture such as en-US"},
		{name: "language", dst: &b.Language, format: culturePattern, want: "a language code such as en"},
		{name: "companyName", dst: &b.CompanyName},
	})
	if err != nil {
		return in, err
	}
	b.Culture = store.NormaliseCulture(b.Culture)
	b.Language = strings.ToLower(b.Language)
	addr, err := billing.requiredObj("defaultAddress")
	if err != nil {
		return in, err
	}
	a := &b.Address
	err = readStrings(addr, []stringField{
		{name: "firstName", dst: &a.FirstName},
		{name: "lastName", dst: &a.LastName},
		{name: "addressLine1", dst: &a.AddressLine1},
		{name: "city", dst: &a.City},
		{name: "postalCode", dst: &a.PostalCode},
		{name: "country", dst: &a.Country, format: countryPattern, want: "a two-letter country code such as US"},
	})
	if err != nil {
		return in, err
	}
	a.Country = strings.ToUpper(a.Country)
	for _, f := range []struct {
		name string
		dst  *string
	}{{"state", &a.State}, {"addressLine2", &a.AddressLine2}, {"phoneNumber", &a.PhoneNumber}} {
		if *f.dst, _, err = addr.str(f.name); err != nil {
			return in, err
		}
	}
	if in.ResellerID, _, err = root.str("associatedPartnerId"); err != nil {
		return in, err
	}
	return in, nil
}

// newCustomerJSON renders a customer as GET /v1/customers/{id} does.
func newCustomerJSON(c store.Customer) customer {
	out := listedCustomerJSON(c.Listed())
	delegated := true
	out.AllowDelegatedAccess = &delegated
	out.BillingProfile = &billingProfile{
		ID:             c.Billing.ID,
		Email:          c.Billing.Email,
		Culture:        c.Billing.Culture,
		Language:       c.Billing.Language,
		CompanyName:    c.Billing.CompanyName,
		DefaultAddress: addressJSON(c.Billing.Address),
		Attributes:     billingAttributes{ETag: c.Billing.ETag, ObjectType: "CustomerBillingProfile"},
	}
	return out
}

// listedCustomerJSON renders a customer as the customer list does.
func listedCustomerJSON(c store.ListedCustomer) customer {
	return customer{
		ID:         c.ID,
		CommerceID: c.CommerceID,
		CompanyProfile: companyProfile{
			TenantID:    c.ID,
			Domain:      c.Domain,
			CompanyName: c.CompanyName,
			Links:       selfLink("/customers/" + c.ID + "/profiles/company"),
			Attributes:  attributes{"CustomerCompanyProfile"},
		},
		RelationshipToPartner: "reseller",
		AssociatedPartnerID:   c.ResellerID,
		Links:                 selfLink("/customers/" + c.ID),
		Attributes:            attributes{"Customer"},
	}
}

func addressJSON(a store.Address) address {
	return address{Country: a.Country, City: a.City, State: a.State, AddressLine1: a.AddressLine1,
		AddressLine2: a.AddressLine2, PostalCode: a.PostalCode, FirstName: a.FirstName, LastName: a.LastName,
		PhoneNumber: a.PhoneNumber}
}

// createCustomer is POST /v1/customers (SPEC §3.4).
func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		in, err := parseNewCustomer(req.body)
		if err != nil {
			return fail(ctx, err)
		}
		if in.ResellerID != "" && req.principal.AppOnly {
			return fail(ctx, errAppOnly)
		}
		c, err := tx.CreateCustomer(ctx, req.principal.Account.ID, in)
		if err != nil {
			return fail(ctx, err)
		}
		out := newCustomerJSON(c)
		out.UserCredentials = &userCredentials{UserName: "admin", Password: c.Password}
		return jsonResponse(http.StatusCreated, out)
	})
}

// customerOf reads the path's customer of the caller's account; a
// reseller caller sees only its own customers (SPEC §12.2).
func (s *Server) customerOf(r *http.Request) (store.Customer, error) {
	p, id := requestOf(r).principal, pathParam(r, "customerId")
	c, err := s.store.CustomerByID(r.Context(), p.Account.ID, id)
	if err == nil && p.Reseller != nil && c.ResellerID != p.Reseller.ID {
		return store.Customer{}, &store.NotFoundError{Kind: "customer", ID: id}
	}
	return c, err
}

// getCustomer is GET /v1/customers/{id}.
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := s.customerOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, newCustomerJSON(c))
}

// getCompanyProfile is GET /v1/customers/{id}/profiles/company.
func (s *Server) getCompanyProfile(w http.ResponseWriter, r *http.Request) {
	c, err := s.customerOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, newCustomerJSON(c).CompanyProfile)
}

// getBillingProfile is GET /v1/customers/{id}/profiles/billing.
func (s *Server) getBillingProfile(w http.ResponseWriter, r *http.Request) {
	c, err := s.customerOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, newCustomerJSON(c).BillingProfile)
}

// getCustomerRelationships is GET /v1/customers/{id}/relationships: the
// customer's reseller, or nothing for a direct customer.
func (s *Server) getCustomerRelationships(w http.ResponseWriter, r *http.Request) {
	c, err := s.customerOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := []partnerRelationship{}
	if c.ResellerID != "" {
		res, err := s.store.LiveReseller(r.Context(), c.AccountID, c.ResellerID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		items = append(items, partnerRelationship{ID: res.ID, Name: res.Name,
			RelationshipType: "is_indirect_cloud_solution_provider_of", MpnID: res.MpnID,
			Attributes: attributes{"PartnerRelationship"}})
	}
	respondJSON(w, r, http.StatusOK, newCollection(items, "/customers/"+c.ID+"/relationships"))
}

// deleteCustomer is DELETE /v1/customers/{id} (SPEC §3.5).
func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) {
	s.removeCustomer(w, r, func(store.Customer) store.Response { return store.Response{Status: http.StatusNoContent} })
}

// patchCustomer is PATCH /v1/customers/{id}: relationshipToPartner "none"
// removes the relationship, which in the sandbox deletes the customer; the
// answer is the customer as it was.
func (s *Server) patchCustomer(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	s.removeCustomer(w, r, func(c store.Customer) store.Response {
		return jsonResponse(http.StatusOK, newCustomerJSON(c))
	}, func() error {
		body, err := parseObject(req.body)
		if err != nil {
			return err
		}
		rel, err := body.requiredStr("relationshipToPartner")
		if err != nil {
			return err
		}
		if !strings.EqualFold(rel, "none") {
			return badInput("$.relationshipToPartner %q cannot be set; send \"none\" to remove the relationship (which deletes a sandbox customer)", rel)
		}
		return nil
	})
}

// removeCustomer deletes the path's customer in one write: the body check
// first, then the id (404), then the account kind (primary: 900127).
func (s *Server) removeCustomer(w http.ResponseWriter, r *http.Request, answer func(store.Customer) store.Response, checks ...func() error) {
	req := requestOf(r)
	id := pathParam(r, "customerId")
	s.write(w, r, func(ctx context.Context, tx *store.Tx) store.Response {
		for _, check := range checks {
			if err := check(); err != nil {
				return fail(ctx, err)
			}
		}
		account := req.principal.Account
		if account.Kind != store.Sandbox {
			if _, err := tx.Customer(ctx, account.ID, id); err != nil {
				return fail(ctx, err)
			}
			return fail(ctx, errSandboxOnly)
		}
		c, err := tx.DeleteCustomer(ctx, account.ID, id)
		if err != nil {
			return fail(ctx, err)
		}
		return answer(c)
	})
}
