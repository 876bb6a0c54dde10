package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// routes is the whole HTTP surface, top to bottom. Middleware order follows
// SPEC §2.7: routing (404/405), body size (413), authentication (401), the
// route's own guards, then the handler.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestIDs, s.accessLog, recoverer)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	r.Group(func(r chi.Router) {
		r.Use(s.record, s.readBody, s.authenticate, resellerGate, s.injectFaults)

		r.With(sandboxResellerRoute).Post("/v1/sandboxIndirectReseller", s.createReseller)
		r.With(sandboxResellerRoute).Delete("/v1/sandboxIndirectReseller/{resellerId}", s.deleteReseller)
		r.With(appUserOnly).Get("/v1/relationships", s.listRelationships)

		r.Post("/v1/customers", s.createCustomer)
		r.Get("/v1/customers", s.listCustomers)
		r.With(appUserOnly).Get("/v1/customers/relationshiprequests", s.relationshipRequests)
		r.Get("/v1/customers/{customerId}", s.getCustomer)
		r.Patch("/v1/customers/{customerId}", s.patchCustomer)
		r.Delete("/v1/customers/{customerId}", s.deleteCustomer)
		r.Get("/v1/customers/{customerId}/profiles/company", s.getCompanyProfile)
		r.Get("/v1/customers/{customerId}/profiles/billing", s.getBillingProfile)
		r.With(appUserOnly).Get("/v1/customers/{customerId}/relationships", s.getCustomerRelationships)

		r.Post("/v1/customers/{customerId}/orders", s.createOrder)
		r.Get("/v1/customers/{customerId}/orders", s.listOrders)
		r.Get("/v1/customers/{customerId}/orders/{orderId}", s.getOrder)
		r.Get("/v1/customers/{customerId}/orders/{orderId}/provisioningstatus", s.provisioningStatus)
		r.Post("/v1/customers/{customerId}/carts", s.createCart)
		r.Get("/v1/customers/{customerId}/carts/{cartId}", s.getCart)
		r.Put("/v1/customers/{customerId}/carts/{cartId}", s.putCart)
		r.Post("/v1/customers/{customerId}/carts/{cartId}/checkout", s.checkoutCart)
		r.Get("/v1/customers/{customerId}/subscriptions", s.listSubscriptions)
		r.Get("/v1/customers/{customerId}/subscriptions/{subscriptionId}", s.getSubscription)
		r.Patch("/v1/customers/{customerId}/subscriptions/{subscriptionId}", s.patchSubscription)
		r.Get("/v1/offers", s.listOffers)
		r.Get("/v1/offers/{offerId}", s.getOffer)
		r.With(appUserOnly).Get("/v1/compliance/csp/agreementstatus", s.agreementStatus)

		r.Head("/v1/domains/{domain}", s.domainStatus)
		r.Get("/v1/domains/{domain}", s.domainStatus)
		r.Get("/v1/validations/checkdomainavailability/{prefix}", s.checkDomainAvailability)
		r.Get("/v1/profiles/organization", s.organizationProfile)
	})

	// The local Entra and the Partner Center token exchange: no bearer needed.
	r.Group(func(r chi.Router) {
		r.Use(s.record, s.readBody, s.injectFaults)
		r.Post("/{tenant}/oauth2/token", s.tokenV1)
		r.Post("/{tenant}/oauth2/v2.0/token", s.tokenV2)
		r.Post("/generatetoken", s.generateToken)
		r.Post("/v3/generatetoken", s.generateToken)
	})
	r.Get("/{tenant}/.well-known/openid-configuration", s.openIDConfiguration)
	r.Get("/{tenant}/v2.0/.well-known/openid-configuration", s.openIDConfiguration)

	r.Get("/_mock/health", s.health)
	r.Get("/_mock/ready", s.readiness)
	// The inspector page and its files hold no data: never behind --admin-token.
	r.Get("/_mock/ui", s.uiPage)
	r.Get("/_mock/ui/{file}", s.uiFile)
	r.Group(func(r chi.Router) {
		r.Use(s.adminOnly, s.readBody)
		r.Post("/_mock/reset", s.reset)
		r.Get("/_mock/snapshots", s.listSnapshots)
		r.Post("/_mock/snapshots/{name}", s.saveSnapshot)
		r.Post("/_mock/snapshots/{name}/restore", s.restoreSnapshot)
		r.Get("/_mock/requests", s.requests)
		r.Delete("/_mock/requests", s.clearRequests)
		r.Post("/_mock/faults", s.addFault)
		r.Get("/_mock/faults", s.listFaults)
		r.Delete("/_mock/faults", s.clearFaults)
		r.Delete("/_mock/faults/{id}", s.removeFault)
		r.Get("/_mock/accounts/{id}/limits", s.getLimits)
		r.Put("/_mock/accounts/{id}/limits", s.putLimits)
		r.Get("/_mock/state", s.state)
	})

	s.paths = newPathNormalizer(r)
	return s.paths.wrap(r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, &routeError{http.StatusNotFound, codeNotFound,
		"Not found: no route " + r.Method + " " + r.URL.Path + ". The README's endpoint table lists what the mock serves."})
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allowed := s.paths.allowed(r)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, r, &routeError{http.StatusMethodNotAllowed, codeInvalidInput,
		"Method not allowed: " + r.URL.Path + " accepts " + strings.Join(allowed, ", ") + ", not " + r.Method + "."})
}
