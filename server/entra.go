package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mocksandbox/mocksandbox/store"
)

// The local Entra (SPEC §4.2): OAuth 2.0 token endpoints in the v1 and v2
// dialects, answering with mock JWTs or Entra-style errors.

const (
	partnerCenterResource = "https://api.partnercenter.microsoft.com"
	refreshTokenTTL       = 90 * 24 * time.Hour
	scopeUserImpersonate  = "user_impersonation"
)

// entraError is an OAuth error as Entra words it: an error kind, an AADSTS
// code and a description saying what to fix.
type entraError struct {
	status int
	kind   string // invalid_request, invalid_client, invalid_grant, ...
	code   int    // the AADSTS number
	msg    string
}

func (e *entraError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.msg) }

func entraErr(kind string, code int, format string, args ...any) *entraError {
	status := http.StatusBadRequest
	if kind == "invalid_client" {
		status = http.StatusUnauthorized
	}
	return &entraError{status: status, kind: kind, code: code, msg: fmt.Sprintf(format, args...)}
}

type entraErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
}

// writeTokenError answers a token route's failure: an Entra error body for
// an *entraError, a Partner Center one for anything else (a bug).
func (s *Server) writeTokenError(w http.ResponseWriter, r *http.Request, err error) {
	var e *entraError
	if !errors.As(err, &e) {
		writeError(w, r, err)
		return
	}
	now := s.now().UTC()
	correlation := r.Header.Get("client-request-id")
	if !usableHeaderValue(correlation) {
		correlation = requestOf(r).correlationID
	}
	trace := uuid.NewString()
	respondJSON(w, r, e.status, entraErrorBody{
		Error: e.kind,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.code, e.msg, trace, correlation, now.Format("2006-01-02 15:04:05Z")),
		ErrorCodes:    []int{e.code},
		Timestamp:     now.Format("2006-01-02 15:04:05Z"),
		TraceID:       trace,
		CorrelationID: correlation,
	})
}

// tokenRequest is a token endpoint's form, in either dialect.
type tokenRequest struct {
	v2           bool
	tenant       string
	form         url.Values
	clientID     string
	clientSecret string // from the form or HTTP Basic authentication
	hasSecret    bool
}

func (t tokenRequest) param(name string) string { return t.form.Get(name) }

func (s *Server) tokenV1(w http.ResponseWriter, r *http.Request) { s.token(w, r, false) }
func (s *Server) tokenV2(w http.ResponseWriter, r *http.Request) { s.token(w, r, true) }

// token is POST /{tenant}/oauth2/token and /{tenant}/oauth2/v2.0/token.
func (s *Server) token(w http.ResponseWriter, r *http.Request, v2 bool) {
	form, err := url.ParseQuery(string(requestOf(r).body))
	if err != nil {
		s.writeTokenError(w, r, entraErr("invalid_request", 900144, "The request body must be application/x-www-form-urlencoded: %v.", err))
		return
	}
	t := tokenRequest{v2: v2, tenant: pathParam(r, "tenant"), form: form, clientID: form.Get("client_id")}
	t.clientSecret, t.hasSecret = form.Get("client_secret"), form.Has("client_secret")
	if id, secret, ok := r.BasicAuth(); ok {
		t.clientID, t.clientSecret, t.hasSecret = id, secret, true
	}
	var c claims
	var refresh bool
	switch grant := t.param("grant_type"); grant {
	case "client_credentials":
		c, err = s.clientCredentials(r.Context(), t)
	case "password":
		c, err = s.passwordGrant(r.Context(), t)
		refresh = true
	case "refresh_token":
		c, err = s.refreshGrant(r.Context(), t)
		refresh = true
	case "":
		err = entraErr("invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	default:
		err = entraErr("unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'. The mock supports client_credentials, password and refresh_token.", grant)
	}
	if err != nil {
		s.writeTokenError(w, r, err)
		return
	}
	s.issueTokens(w, r, t, c, refresh)
}

// resolveTenant finds the account a token request names: by id or domain,
// or, for common and organizations, by the app or the user.
func (s *Server) resolveTenant(ctx context.Context, t tokenRequest, byUser string) (store.Account, error) {
	accountID := ""
	switch strings.ToLower(t.tenant) {
	case "common", "organizations":
		if byUser != "" {
			_, id, err := s.store.UserByUPN(ctx, byUser)
			if errors.Is(err, store.ErrNotFound) {
				return store.Account{}, invalidCredentials()
			}
			if err != nil {
				return store.Account{}, err
			}
			accountID = id
		} else {
			_, id, err := s.store.AppByID(ctx, t.clientID)
			if errors.Is(err, store.ErrNotFound) {
				return store.Account{}, appNotFound(t.clientID, t.tenant)
			}
			if err != nil {
				return store.Account{}, err
			}
			accountID = id
		}
		return s.store.AccountByID(ctx, accountID)
	}
	var a store.Account
	var err error
	if _, perr := uuid.Parse(t.tenant); perr == nil {
		a, err = s.store.AccountByID(ctx, t.tenant)
	} else {
		a, err = s.store.AccountByDomain(ctx, t.tenant)
	}
	if errors.Is(err, store.ErrNotFound) {
		return a, entraErr("invalid_request", 90002, "Tenant '%s' not found. Use an account id or domain from the fixtures, or common.", t.tenant)
	}
	return a, err
}

func appNotFound(appID, tenant string) error {
	return entraErr("unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. Use an appId listed under the account's apps in the fixtures.", appID, tenant)
}

func invalidCredentials() error {
	return entraErr("invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
}

// checkApp checks that client_id is an app of the account and, when a
// secret was sent (or required), that it is the app's key.
func (s *Server) checkApp(ctx context.Context, t tokenRequest, a store.Account, secretRequired bool) error {
	if t.clientID == "" {
		return entraErr("invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	app, owner, err := s.store.AppByID(ctx, t.clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && owner != a.ID) {
		return appNotFound(t.clientID, t.tenant)
	}
	if err != nil {
		return err
	}
	switch {
	case secretRequired && !t.hasSecret:
		return entraErr("invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
	case t.hasSecret && t.clientSecret != app.Key:
		return entraErr("invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value (the app's key in the fixtures) for app '%s'.", app.AppID)
	}
	return nil
}

func (s *Server) clientCredentials(ctx context.Context, t tokenRequest) (claims, error) {
	a, err := s.resolveTenant(ctx, t, "")
	if err != nil {
		return claims{}, err
	}
	if err := s.checkApp(ctx, t, a, true); err != nil {
		return claims{}, err
	}
	return claims{Tid: a.ID, AppID: strings.ToLower(t.clientID), IDTyp: "app",
		OID: store.DerivedID(a.ID + "/app/" + strings.ToLower(t.clientID))}, nil
}

func (s *Server) passwordGrant(ctx context.Context, t tokenRequest) (claims, error) {
	username, password := t.param("username"), t.param("password")
	if username == "" || password == "" {
		return claims{}, entraErr("invalid_request", 900144, "The request body must contain the following parameters: 'username' and 'password'.")
	}
	if res, err := s.store.ResellerByAdmin(ctx, username); err == nil && signsInReseller(t.tenant, res) {
		return resellerSignIn(t, res, password)
	}
	a, err := s.resolveTenant(ctx, t, username)
	if err != nil {
		return claims{}, err
	}
	if err := s.checkApp(ctx, t, a, false); err != nil {
		return claims{}, err
	}
	u, owner, err := s.store.UserByUPN(ctx, username)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (owner != a.ID || u.Password == "" || u.Password != password)) {
		return claims{}, invalidCredentials()
	}
	if err != nil {
		return claims{}, err
	}
	return userClaims(a.ID, strings.ToLower(t.clientID), u), nil
}

// signsInReseller reports whether a token request's tenant can sign in a
// reseller's admin: its tenant id, its domain, common or organizations.
func signsInReseller(tenant string, res store.Reseller) bool {
	switch strings.ToLower(tenant) {
	case "common", "organizations", res.ID, strings.ToLower(res.Domain()):
		return true
	}
	return false
}

// resellerSignIn is the password grant of a sandbox reseller's admin
// (SPEC §12.1): a public client, so client_id is required but may be any
// value and a client_secret is ignored.
func resellerSignIn(t tokenRequest, res store.Reseller, password string) (claims, error) {
	if t.clientID == "" {
		return claims{}, entraErr("invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	if res.Password == "" || res.Password != password {
		return claims{}, invalidCredentials()
	}
	return resellerClaims(res, strings.ToLower(t.clientID)), nil
}

func resellerClaims(res store.Reseller, appID string) claims {
	return claims{Tid: res.ID, AppID: appID, IDTyp: "user", OID: store.ResellerAdminObjectID(res.ID),
		UPN: res.AdminUserAccount(), Scp: scopeUserImpersonate}
}

func userClaims(tid, appID string, u store.User) claims {
	return claims{Tid: tid, AppID: appID, IDTyp: "user", OID: u.ObjectID, UPN: u.UPN, Scp: scopeUserImpersonate}
}

func (s *Server) refreshGrant(ctx context.Context, t tokenRequest) (claims, error) {
	old, err := s.signer.verify(t.param("refresh_token"), s.now())
	if err != nil || old.Use != "refresh" {
		return claims{}, entraErr("invalid_grant", 9002313, "Invalid request. The refresh_token is malformed, expired or was not issued by this mock.")
	}
	if t.clientID != "" && !strings.EqualFold(t.clientID, old.AppID) {
		return claims{}, entraErr("invalid_grant", 70000, "The refresh token was issued to app '%s', not '%s'.", old.AppID, t.clientID)
	}
	gone := entraErr("invalid_grant", 50173, "The user of this refresh token no longer exists (deleted, or the state was reset); sign in again.")
	if res, err := s.store.ResellerByID(ctx, old.Tid); err == nil {
		if res.DeletedAt != nil {
			return claims{}, gone
		}
		return resellerClaims(res, old.AppID), nil
	}
	u, owner, err := s.store.UserByUPN(ctx, old.UPN)
	if errors.Is(err, store.ErrNotFound) || (err == nil && owner != old.Tid) {
		return claims{}, gone
	}
	if err != nil {
		return claims{}, err
	}
	return userClaims(old.Tid, old.AppID, u), nil
}

// audience is the resource (v1) or the first API scope without its
// /.default or permission suffix (v2); Partner Center by default.
func audience(t tokenRequest) string {
	if !t.v2 {
		if res := t.param("resource"); res != "" {
			return res
		}
		return partnerCenterResource
	}
	for _, sc := range strings.Fields(t.param("scope")) {
		switch sc {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		if i := strings.LastIndex(sc, "/"); i > len("https://") {
			return sc[:i]
		}
		return sc
	}
	return partnerCenterResource
}

// tokenResponse is the token endpoints' success body. v1 sends numbers as
// strings; v2 as numbers.
type tokenResponseV1 struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	ExpiresIn    string `json:"expires_in"`
	ExtExpiresIn string `json:"ext_expires_in"`
	ExpiresOn    string `json:"expires_on"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

type tokenResponseV2 struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// issueTokens signs an access token (and a refresh token for App+User) and
// answers in the endpoint's dialect.
func (s *Server) issueTokens(w http.ResponseWriter, r *http.Request, t tokenRequest, c claims, withRefresh bool) {
	now := s.now()
	base := "http://" + r.Host + "/" + c.Tid + "/"
	c.Aud, c.Iss, c.Ver = audience(t), base, "1.0"
	if t.v2 {
		c.Iss, c.Ver = base+"v2.0", "2.0"
	}
	c.Iat, c.Nbf, c.Exp = now.Unix(), now.Unix(), now.Add(s.tokenTTL).Unix()
	access := s.signer.sign(c)
	refresh := ""
	if withRefresh {
		rc := c
		rc.Use, rc.Exp = "refresh", now.Add(refreshTokenTTL).Unix()
		refresh = s.signer.sign(rc)
	}
	expiresIn := int64(s.tokenTTL / time.Second)
	if !t.v2 {
		respondJSON(w, r, http.StatusOK, tokenResponseV1{TokenType: "Bearer", Scope: c.Scp,
			ExpiresIn: strconv.FormatInt(expiresIn, 10), ExtExpiresIn: strconv.FormatInt(expiresIn, 10),
			ExpiresOn: strconv.FormatInt(c.Exp, 10), NotBefore: strconv.FormatInt(c.Nbf, 10),
			Resource: c.Aud, AccessToken: access, RefreshToken: refresh})
		return
	}
	scope := c.Aud + "/.default"
	if c.Scp != "" {
		scope = c.Aud + "/" + c.Scp
	}
	respondJSON(w, r, http.StatusOK, tokenResponseV2{TokenType: "Bearer", Scope: scope,
		ExpiresIn: expiresIn, ExtExpiresIn: expiresIn, AccessToken: access, RefreshToken: refresh})
}

// openIDConfiguration is GET /{tenant}[/v2.0]/.well-known/openid-configuration,
// with absolute URLs built from the request's Host.
func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	tenant := pathParam(r, "tenant")
	switch strings.ToLower(tenant) {
	case "common", "organizations":
		tenant = "{tenantid}" // as Entra's multi-tenant documents say
	default:
		a, err := s.resolveTenant(r.Context(), tokenRequest{tenant: tenant}, "")
		if err != nil {
			s.writeTokenError(w, r, err)
			return
		}
		tenant = a.ID
	}
	base := "http://" + r.Host + "/" + tenant
	v2 := strings.Contains(r.URL.Path, "/v2.0/")
	tokenPath, issuer := base+"/oauth2/token", base+"/"
	if v2 {
		tokenPath, issuer = base+"/oauth2/v2.0/token", base+"/v2.0"
	}
	respondJSON(w, r, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"token_endpoint":                        tokenPath,
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"grant_types_supported":                 []string{"client_credentials", "password", "refresh_token"},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"HS256"},
		"claims_supported":                      []string{"aud", "iss", "iat", "nbf", "exp", "tid", "appid", "oid", "upn", "scp", "idtyp", "ver"},
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// generateToken is POST /generatetoken and /v3/generatetoken: a mock token
// in the Authorization header, exchanged for a Partner Center token with
// the same claims.
func (s *Server) generateToken(w http.ResponseWriter, r *http.Request) {
	form, err := url.ParseQuery(string(requestOf(r).body))
	if err != nil || form.Get("grant_type") != "jwt_token" {
		writeError(w, r, badInput("send the form field grant_type=jwt_token and the token to exchange as Authorization: Bearer <token>"))
		return
	}
	bearer, _ := bearerToken(r.Header.Get("Authorization"))
	c, err := s.signer.verify(bearer, s.now())
	if err != nil || c.Use != "" {
		writeError(w, r, errTokenInvalid)
		return
	}
	now := s.now()
	c.Iat, c.Nbf, c.Exp = now.Unix(), now.Unix(), now.Add(s.tokenTTL).Unix()
	respondJSON(w, r, http.StatusOK, map[string]any{
		"access_token": s.signer.sign(c),
		"token_type":   "Bearer",
		"expires_in":   int64(s.tokenTTL / time.Second),
		"expiresOn":    pcTime(time.Unix(c.Exp, 0)),
	})
}
