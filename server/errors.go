package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/limits"
	"github.com/mocksandbox/mocksandbox/store"
)

// Partner Center error codes used by the mock (SPEC §2.6).
const (
	codeInvalidInput       = 800002
	codeUnauthorized       = 800001
	codeUnexpected         = 800003
	codeNotTipProvider     = 6002
	codeCreateNotAllowed   = 6004
	codeTenantConflict     = 1003
	codeCustomerLimit      = 800018
	codeDeleteNotAllowed   = 6003
	codeNotValidReseller   = 800016
	codeNotSupportedHere   = 900127
	codeOfferNotFound      = 800004
	codeLineNumbers        = 800071
	codeQuantityRange      = 2002
	codeOfferMinimum       = 900322
	codeLicenseLimit       = 800067
	codeSubscriptionLimit  = 800066
	codePartnerNotFound    = 800015
	codePartnerIsProvider  = 2072
	codeOrderNotFound      = 20000
	codeSubNotFound        = 20003
	codeCartNotFound       = 800008
	codeETagMismatch       = 2055
	codeSubDeleted         = 2011
	codeCartOrdered        = 800065
	codeQtyWhileSuspended  = 800091
	codeCancelNotAllowed   = 800090
	codeNotAllowed         = 600006
	codeAppOnly            = 900329
	codeTenantNotFound     = 60003
	codeNotFound           = 1000
	sourcePartnerCenter    = "PartnerFD"
	sourceMock             = "mocksandbox"
	contentTypeJSON        = "application/json; charset=utf-8"
	descriptionInvalidBody = "Invalid request input"
)

// inputError is bad input: 400 800002 naming the field and the fix.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// routeError is a refusal decided by the route itself, before any business
// logic: a status, a Partner Center code and a description.
type routeError struct {
	status int
	code   int
	msg    string
}

func (e *routeError) Error() string { return e.msg }

var (
	errNoBearer = &routeError{http.StatusUnauthorized, codeUnauthorized,
		"Unauthorized: send an Authorization: Bearer <token> header. With --auth permissive any token works (each distinct token is its own sandbox account); the default fixture's token is mocksandbox-token."}
	errTokenInvalid = &routeError{http.StatusUnauthorized, codeUnauthorized,
		"Unauthorized: the bearer token is expired, not yet valid, altered or no longer has an account (reset). Get a new one from POST /{tenant}/oauth2/token."}
	errUnknownToken = &routeError{http.StatusUnauthorized, codeUnauthorized,
		"Unauthorized: unknown bearer token. With --auth strict only tokens issued by the mock (POST /{tenant}/oauth2/token) and fixture static tokens are accepted."}
	errResellerGone = &routeError{http.StatusUnauthorized, codeUnauthorized,
		"Unauthorized: this token belongs to a sandbox indirect reseller that no longer exists (deleted, or removed by a reset or restore)."}
	errResellerNotAllowed = &routeError{http.StatusForbidden, codeNotAllowed,
		"The requested action is not allowed: in the integration sandbox the indirect provider creates customers and places orders. A sandbox indirect reseller may only read its own customers (and their profiles, relationships and subscriptions), its relationship to its provider and its organization profile."}
	errNotTipProvider = &routeError{http.StatusUnauthorized, codeNotTipProvider,
		"Unauthorized token or Not a Tip Provider Account: sandbox indirect resellers can only be created or deleted by an integration sandbox account; this token belongs to a primary account. Use the sandbox account's credentials."}
	errAppOnly = &routeError{http.StatusForbidden, codeAppOnly,
		"This resource does not support application-only authentication. Sign in with App+User credentials (a token with a user)."}
	errSandboxOnly = &routeError{http.StatusBadRequest, codeNotSupportedHere,
		"This operation isn't supported in this environment: deleting customers is only possible in an integration sandbox account, and this is a primary account."}
	errRelationshipRequestsInSandbox = &routeError{http.StatusBadRequest, codeNotSupportedHere,
		"This operation isn't supported in this environment: customer relationship requests (invitations) are not supported in the integration sandbox. Create customers with POST /v1/customers instead."}
	errBodyTooLarge = &routeError{http.StatusRequestEntityTooLarge, codeInvalidInput,
		"Request body too large: it exceeds the server's --max-body limit. Send a smaller body or start the mock with a larger --max-body."}
)

// errorResponse maps any error to the Partner Center error body it answers
// with. It is the only place that knows status codes and error codes.
func errorResponse(log *zerolog.Logger, source string, err error) store.Response {
	status, code, desc := classify(err)
	if status >= 500 {
		log.Error().Err(err).Msg("unexpected error")
	}
	body := mustJSON(errorBody{Code: code, Description: desc, Data: []string{}, Source: source})
	return store.Response{Status: status, ContentType: contentTypeJSON, Body: body}
}

func classify(err error) (status, code int, description string) {
	var (
		input    *inputError
		route    *routeError
		notFound *store.NotFoundError
		domain   *store.DomainTakenError
		country  *store.PartnerCountryError
		exceeded *limits.ExceededError
		reseller *store.ResellerNotFoundError
		busy     *store.ResellerHasCustomersError
		held     *store.DomainHeldError
		line     *store.LineError
		offer    *store.UnknownOfferError
		minimum  *store.OfferMinimumError
		qty      *store.QuantityRangeError
		partner  *store.PartnerError
		etag     *store.ETagMismatchError
		state    *store.SubscriptionStateError
		ordered  *store.CartOrderedError
		active   *store.ActiveSubscriptionsError
	)
	switch {
	case errors.As(err, &input):
		return http.StatusBadRequest, codeInvalidInput, descriptionInvalidBody + ": " + input.msg
	case errors.As(err, &route):
		return route.status, route.code, route.msg
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return http.StatusBadRequest, codeInvalidInput, descriptionInvalidBody +
			": this MS-RequestId was already used for a different request; send a new MS-RequestId for each call (reuse one only to retry the same request)."
	case errors.As(err, &line):
		status, code, desc := classify(line.Err)
		return status, code, fmt.Sprintf("%s (line item %d)", desc, line.Line)
	case errors.As(err, &notFound):
		switch notFound.Kind {
		case "order":
			return http.StatusNotFound, codeOrderNotFound, fmt.Sprintf("Order not found: no order %s for this customer; list them with GET /v1/customers/{id}/orders.", notFound.ID)
		case "subscription":
			return http.StatusNotFound, codeSubNotFound, fmt.Sprintf("Subscription not found: no subscription %s for this customer; list them with GET /v1/customers/{id}/subscriptions.", notFound.ID)
		case "cart":
			return http.StatusNotFound, codeCartNotFound, fmt.Sprintf("Cart not found: no cart %s for this customer; create one with POST /v1/customers/{id}/carts.", notFound.ID)
		}
		return http.StatusNotFound, codeTenantNotFound, fmt.Sprintf(
			"Tenant not found: no %s with id %s exists in this account. Check the id; another account's resources are never visible.", notFound.Kind, notFound.ID)
	case errors.As(err, &offer):
		return http.StatusBadRequest, codeOfferNotFound, fmt.Sprintf(
			"Offer not found: %s is not in the catalog. GET /v1/offers?country=US lists the license-based offers; fixtures may add more under \"catalog\".", offer.OfferID)
	case errors.As(err, &minimum):
		return http.StatusForbidden, codeOfferMinimum, fmt.Sprintf(
			"The sandbox does not allow offer %s: it needs at least %d licenses and a sandbox subscription holds at most %d. Choose another offer (or raise licensesPerSubscription with PUT /_mock/accounts/{id}/limits).", minimum.OfferID, minimum.Minimum, minimum.Max)
	case errors.As(err, &qty):
		return http.StatusBadRequest, codeQuantityRange, fmt.Sprintf(
			"Quantity %d is not allowed for offer %s: send a quantity from %d to %d.", qty.Quantity, qty.OfferID, qty.Min, qty.Max)
	case errors.As(err, &partner):
		switch partner.Reason {
		case store.PartnerIsProvider:
			return http.StatusNotFound, codePartnerIsProvider, fmt.Sprintf(
				"Partner %s is your own PartnerID: the partner of record must be one of your indirect resellers. Use a reseller's PartnerID (GET /v1/relationships lists them as mpnId), or leave it out.", partner.PartnerID)
		case store.PartnerNotReseller:
			return http.StatusBadRequest, codeNotValidReseller, fmt.Sprintf(
				"PartnerID isn't a valid Indirect Reseller: %s is a PartnerID, but not of one of your live indirect resellers. Use a reseller's PartnerID from GET /v1/relationships, or leave it out.", partner.PartnerID)
		}
		return http.StatusNotFound, codePartnerNotFound, fmt.Sprintf(
			"Partner not found: %q is not a known PartnerID (1-10 digits). Use one of your indirect resellers' PartnerIDs (GET /v1/relationships lists them as mpnId), or leave it out.", partner.PartnerID)
	case errors.As(err, &etag):
		return http.StatusBadRequest, codeETagMismatch, fmt.Sprintf(
			"The If-Match etag %s is stale: the subscription's current etag is %s. GET it again and retry with that etag.", etag.Sent, etag.Current)
	case errors.As(err, &state):
		switch state.Reason {
		case store.SubscriptionDeleted:
			return http.StatusBadRequest, codeSubDeleted, "Subscription " + state.ID + " is deleted and cannot be changed."
		case store.QuantityWhileSuspended:
			return http.StatusBadRequest, codeQtyWhileSuspended, "Subscription " + state.ID + " is suspended: reactivate it (status active) before changing its quantity, or send both in one PATCH."
		}
		return http.StatusBadRequest, codeCancelNotAllowed, "Subscription " + state.ID + " cannot be cancelled: only new-commerce subscriptions can be deleted, within 7 days of their creation. Suspend it instead."
	case errors.As(err, &ordered):
		return http.StatusBadRequest, codeCartOrdered, "Cart " + ordered.CartID + " was already checked out and cannot change; create a new cart."
	case errors.As(err, &active):
		return http.StatusForbidden, codeNotAllowed, fmt.Sprintf(
			"The requested action is not allowed: the customer still has active subscriptions (%s). Suspend them first (PATCH status \"suspended\"), then delete the customer.", strings.Join(active.IDs, ", "))
	case errors.As(err, &held):
		return http.StatusConflict, codeTenantConflict, fmt.Sprintf(
			"Reset conflict: the seed re-creates the domain %s, which account %s now holds. Reset that account (or everything) instead; nothing was changed.", held.Domain, held.Holder)
	case errors.As(err, &domain):
		return http.StatusConflict, codeTenantConflict, fmt.Sprintf(
			"Conflict while creating tenant: the domain %s is already taken by another tenant. Choose another domain prefix or domain (check with HEAD /v1/domains/{domain}).", domain.Domain)
	case errors.As(err, &country):
		return http.StatusBadRequest, codeInvalidInput, fmt.Sprintf(
			"%s: PartnerID %s is already used by live sandbox indirect resellers in country %s; a PartnerID can be shared only by resellers of one country. Use tenant.country %s or another PartnerID.",
			descriptionInvalidBody, country.MpnID, country.BoundCountry, country.BoundCountry)
	case errors.As(err, &reseller):
		return http.StatusBadRequest, codeNotValidReseller, fmt.Sprintf(
			"PartnerID isn't a valid Indirect Reseller: associatedPartnerId %s is not a live sandbox indirect reseller of this account. Use a reseller tenant id from GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf, or leave it out for a direct customer.", reseller.ResellerID)
	case errors.As(err, &busy):
		return http.StatusForbidden, codeDeleteNotAllowed, fmt.Sprintf(
			"Delete Sandbox Indirect Reseller isn't allowed: reseller %s still has %d customer(s). Delete its customers first (DELETE /v1/customers/{id}), then delete the reseller.", busy.ResellerID, busy.Customers)
	case errors.As(err, &exceeded):
		return classifyLimit(exceeded)
	}
	return http.StatusInternalServerError, codeUnexpected, "Unexpected service error. This is a mocksandbox bug; the server log has the details."
}

func classifyLimit(e *limits.ExceededError) (int, int, string) {
	switch e.Kind {
	case limits.Resellers:
		return http.StatusForbidden, codeCreateNotAllowed, fmt.Sprintf(
			"Create Sandbox Indirect Reseller operation not allowed: this sandbox account already has %d live indirect resellers, the limit. Delete one (DELETE /v1/sandboxIndirectReseller/{id}) to free a slot.", e.Max)
	case limits.Customers:
		return http.StatusBadRequest, codeCustomerLimit, fmt.Sprintf(
			"The sandbox limit has been met: this sandbox account already has %d customers, the limit. Delete a customer (DELETE /v1/customers/{id}) to free a slot.", e.Max)
	case limits.LicensesPerSubscription:
		return http.StatusForbidden, codeLicenseLimit, fmt.Sprintf(
			"The sandbox allows at most %d licenses per subscription; %d were asked for. Send a smaller quantity.", e.Max, e.Want)
	case limits.SubscriptionsPerCustomer:
		return http.StatusForbidden, codeSubscriptionLimit, fmt.Sprintf(
			"The sandbox allows at most %d active subscriptions per customer, and this would be number %d. Suspend one (PATCH status \"suspended\") to free a slot.", e.Max, e.Want)
	}
	return http.StatusForbidden, codeUnexpected, e.Error()
}

type errorBody struct {
	Code        int      `json:"code"`
	Description string   `json:"description"`
	Data        []string `json:"data"`
	Source      string   `json:"source"`
}

// writeError answers a request with err's Partner Center error body.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	source := sourcePartnerCenter
	if strings.HasPrefix(r.URL.Path, "/_mock") {
		source = sourceMock
	}
	resp := errorResponse(zerolog.Ctx(r.Context()), source, err)
	if resp.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	writeResponse(w, r, resp)
}

// writeResponse writes a (possibly stored) response; HEAD gets no body.
func writeResponse(w http.ResponseWriter, r *http.Request, resp store.Response) {
	if resp.ContentType != "" {
		w.Header().Set("Content-Type", resp.ContentType)
	}
	send := r.Method != http.MethodHead && len(resp.Body) > 0
	if send {
		// A length rather than net/http's chunked encoding of bodies over
		// 2 KiB: clients see the size up front, and the body is one write.
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	w.WriteHeader(resp.Status)
	if send {
		w.Write(resp.Body)
	}
}
