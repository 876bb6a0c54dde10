package server

import (
	"errors"
	"fmt"
	"net/http"
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
	)
	switch {
	case errors.As(err, &input):
		return http.StatusBadRequest, codeInvalidInput, descriptionInvalidBody + ": " + input.msg
	case errors.As(err, &route):
		return route.status, route.code, route.msg
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return http.StatusBadRequest, codeInvalidInput, descriptionInvalidBody +
			": this MS-RequestId was already used for a different request; send a new MS-RequestId for each call (reuse one only to retry the same request)."
	case errors.As(err, &notFound):
		return http.StatusNotFound, codeTenantNotFound, fmt.Sprintf(
			"Tenant not found: no %s with id %s exists in this account. Check the id; another account's resources are never visible.", notFound.Kind, notFound.ID)
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
	w.WriteHeader(resp.Status)
	if r.Method != http.MethodHead && len(resp.Body) > 0 {
		w.Write(resp.Body)
	}
}
