package server

import (
	"cmp"
	"github.com/mocksandbox/mocksandbox/store"
	"net/http"
	"net/url"
)

// domainStatus is HEAD and GET /v1/domains/{domain} (SPEC §3.7): 200 when
// any tenant holds the domain, 404 when it is free, 400 when it is not a
// domain name. GET answers with an empty body or the error body.
func (s *Server) domainStatus(w http.ResponseWriter, r *http.Request) {
	domain := pathParam(r, "domain")
	if !validDomain(domain) {
		writeError(w, r, badInput("%q is not a domain name; send one such as contoso.onmicrosoft.com", domain))
		return
	}
	taken, err := s.store.DomainTaken(r.Context(), domain)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !taken {
		writeError(w, r, &routeError{http.StatusNotFound, codeTenantNotFound,
			"Tenant not found: no tenant holds the domain " + domain + ", so it is free to use."})
		return
	}
	w.WriteHeader(http.StatusOK)
}

// checkDomainAvailability is GET /v1/validations/checkdomainavailability/{prefix}:
// JSON true when {prefix}.onmicrosoft.com is free.
func (s *Server) checkDomainAvailability(w http.ResponseWriter, r *http.Request) {
	prefix := pathParam(r, "prefix")
	if !domainPrefixPattern.MatchString(prefix) {
		writeError(w, r, badInput("the domain prefix must be 1-27 letters and digits, not %q", prefix))
		return
	}
	taken, err := s.store.DomainTaken(r.Context(), prefix+".onmicrosoft.com")
	if err != nil {
		writeError(w, r, err)
		return
	}
	respondJSON(w, r, http.StatusOK, !taken)
}

// relationshipRequests is GET /v1/customers/relationshiprequests (SPEC §3.8).
func (s *Server) relationshipRequests(w http.ResponseWriter, r *http.Request) {
	account := requestOf(r).principal.Account
	if account.Kind == store.Sandbox {
		writeError(w, r, errRelationshipRequestsInSandbox)
		return
	}
	invite := "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId=" +
		url.QueryEscape(account.ID) + "&msppId=0&DAP=false#/BillingAccounts/partner-invitation"
	respondJSON(w, r, http.StatusOK, relationshipRequest{URL: invite, Attributes: attributes{"RelationshipRequest"}})
}

// organizationProfile is GET /v1/profiles/organization: the caller's
// account, or a reseller caller's own tenant (SPEC §12.2).
func (s *Server) organizationProfile(w http.ResponseWriter, r *http.Request) {
	p := requestOf(r).principal
	if res := p.Reseller; res != nil {
		legal := res.LegalProfile
		addr := legal.Address
		if addr.Country == "" {
			addr = store.Address{Country: res.Country}
		}
		respondJSON(w, r, http.StatusOK, organizationProfile{
			ID: res.ID, CompanyName: res.Name, TenantID: res.ID, Domain: res.Domain(),
			Email:          cmp.Or(legal.PrimaryContact.Email, "admin@"+res.Domain()),
			Language:       cmp.Or(res.Language, "en"),
			Culture:        store.NormaliseCulture(cmp.Or(res.Culture, "en-US")),
			DefaultAddress: addressJSON(addr),
			Attributes:     attributes{"OrganizationProfile"},
		})
		return
	}
	a := p.Account
	respondJSON(w, r, http.StatusOK, organizationProfile{
		ID:             a.ID,
		CompanyName:    a.Name,
		TenantID:       a.ID,
		Domain:         a.Domain,
		Email:          a.Email,
		Language:       "en",
		Culture:        "en-US",
		DefaultAddress: addressJSON(a.Address),
		Attributes:     attributes{"OrganizationProfile"},
	})
}
