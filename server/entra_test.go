package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// postForm sends a token request as MSAL and ADAL do.
func (m *mock) postForm(path string, form url.Values, headers map[string]string) reply {
	m.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": ""}
	for k, v := range headers {
		h[k] = v
	}
	return m.do(call{method: "POST", path: path, body: []byte(form.Encode()), headers: h})
}

// jwtClaims decodes a JWT's claims without verifying it.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func wantEntraError(t *testing.T, r reply, status int, kind string, code float64) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	b := r.json()
	codes, _ := b["error_codes"].([]any)
	if b["error"] != kind || len(codes) != 1 || codes[0] != code {
		t.Errorf("error %v codes %v, want %s [%v]: %s", b["error"], codes, kind, code, r.body)
	}
	desc, _ := b["error_description"].(string)
	if !strings.HasPrefix(desc, "AADSTS") || b["trace_id"] == "" || b["correlation_id"] == "" || b["timestamp"] == "" {
		t.Errorf("not an Entra error body: %s", r.body)
	}
}

func TestClientCredentialsGiveAnAppOnlyToken(t *testing.T) {
	m := newMock(t, strict)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey},
		"resource": {"https://api.partnercenter.microsoft.com"}}
	v1 := m.postForm("/"+defaultAcct+"/oauth2/token", form, nil)
	if v1.status != 200 {
		t.Fatalf("v1 by tenant id: %d %s", v1.status, v1.body)
	}
	b := v1.json()
	for _, k := range []string{"expires_in", "ext_expires_in", "expires_on", "not_before"} {
		if _, isString := b[k].(string); !isString {
			t.Errorf("v1 %s = %#v, want a string", k, b[k])
		}
	}
	if b["token_type"] != "Bearer" || b["resource"] != "https://api.partnercenter.microsoft.com" || b["refresh_token"] != nil {
		t.Errorf("v1 body: %s", v1.body)
	}
	token := b["access_token"].(string)
	c := jwtClaims(t, token)
	if c["tid"] != defaultAcct || c["appid"] != defaultApp || c["scp"] != nil || c["upn"] != nil ||
		c["aud"] != "https://api.partnercenter.microsoft.com" || c["iss"] != m.URL+"/"+defaultAcct+"/" {
		t.Errorf("app-only claims: %v", c)
	}
	for _, k := range []string{"iat", "nbf", "exp"} {
		if _, ok := c[k].(float64); !ok {
			t.Errorf("claim %s = %v", k, c[k])
		}
	}

	v2form := url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey},
		"scope": {"https://api.partnercenter.microsoft.com/.default"}}
	v2 := m.postForm("/ContosoSandbox.onmicrosoft.com/oauth2/v2.0/token", v2form, nil)
	if v2.status != 200 {
		t.Fatalf("v2 by domain: %d %s", v2.status, v2.body)
	}
	if _, isNumber := v2.json()["expires_in"].(float64); !isNumber {
		t.Errorf("v2 expires_in is not a number: %s", v2.body)
	}
	c2 := jwtClaims(t, v2.json()["access_token"].(string))
	if c2["iss"] != m.URL+"/"+defaultAcct+"/v2.0" || c2["aud"] != "https://api.partnercenter.microsoft.com" || c2["ver"] != "2.0" {
		t.Errorf("v2 claims: %v", c2)
	}

	// App-only: reads work, App+User routes refuse it.
	if r := m.do(call{method: "GET", path: "/v1/customers", token: token}); r.status != 200 {
		t.Errorf("list customers app-only: %d %s", r.status, r.body)
	}
	wantError(t, m.createReseller(token, "apponlytoken"), http.StatusForbidden, 900329)

	// HTTP Basic client authentication works too.
	basic := m.postForm("/common/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"https://api.partnercenter.microsoft.com/.default"}},
		map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(defaultApp+":"+defaultKey))})
	if basic.status != 200 || jwtClaims(t, basic.json()["access_token"].(string))["tid"] != defaultAcct {
		t.Errorf("common with Basic auth: %d %s", basic.status, basic.body)
	}
}

func TestTokenRequestsAreRefusedAsEntraWouldRefuseThem(t *testing.T) {
	m := newMock(t)
	cc := func(tenant, app, secret string) reply {
		f := url.Values{"grant_type": {"client_credentials"}, "client_id": {app}}
		if secret != "" {
			f.Set("client_secret", secret)
		}
		return m.postForm("/"+tenant+"/oauth2/token", f, nil)
	}
	wantEntraError(t, cc(defaultAcct, defaultApp, "wrong"), 401, "invalid_client", 7000215)
	wantEntraError(t, cc(defaultAcct, defaultApp, ""), 401, "invalid_client", 7000216)
	wantEntraError(t, cc(defaultAcct, uuid.NewString(), defaultKey), 400, "unauthorized_client", 700016)
	wantEntraError(t, cc(defaultAcct, primaryApp, "primary-key"), 400, "unauthorized_client", 700016) // another tenant's app
	wantEntraError(t, cc("nowhere.onmicrosoft.com", defaultApp, defaultKey), 400, "invalid_request", 90002)
	wantEntraError(t, m.postForm("/common/oauth2/token", url.Values{"grant_type": {"authorization_code"}}, nil), 400, "unsupported_grant_type", 70003)
	wantEntraError(t, m.postForm("/common/oauth2/token", url.Values{}, nil), 400, "invalid_request", 900144)
	pw := url.Values{"grant_type": {"password"}, "client_id": {defaultApp}, "username": {defaultUser}, "password": {"wrong"}}
	wantEntraError(t, m.postForm("/"+defaultAcct+"/oauth2/token", pw, nil), 400, "invalid_grant", 50126)
	pw.Set("username", "nobody@contososandbox.onmicrosoft.com")
	wantEntraError(t, m.postForm("/common/oauth2/token", pw, nil), 400, "invalid_grant", 50126)
	wantEntraError(t, m.postForm("/common/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"abc"}}, nil), 400, "invalid_grant", 9002313)
}

func TestPasswordThenRefreshGivesAnAppUserTokenThatSignsForTheUser(t *testing.T) {
	m := newMock(t, strict)
	pw := url.Values{"grant_type": {"password"}, "client_id": {defaultApp}, "client_secret": {defaultKey},
		"username": {strings.ToUpper(defaultUser)}, "password": {defaultPass}, "resource": {"https://api.partnercenter.microsoft.com"}}
	r := m.postForm("/common/oauth2/token", pw, nil)
	if r.status != 200 {
		t.Fatalf("password grant: %d %s", r.status, r.body)
	}
	c := jwtClaims(t, r.json()["access_token"].(string))
	if c["tid"] != defaultAcct || c["upn"] != defaultUser || c["oid"] != defaultOID || c["scp"] != "user_impersonation" || c["appid"] != defaultApp {
		t.Errorf("App+User claims: %v", c)
	}
	refresh := m.postForm("/"+defaultAcct+"/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {defaultApp},
		"refresh_token": {r.json()["refresh_token"].(string)}, "scope": {"https://api.partnercenter.microsoft.com/user_impersonation offline_access"}}, nil)
	if refresh.status != 200 || refresh.json()["refresh_token"] == nil {
		t.Fatalf("refresh grant: %d %s", refresh.status, refresh.body)
	}
	token := refresh.json()["access_token"].(string)
	if aud := jwtClaims(t, token)["aud"]; aud != "https://api.partnercenter.microsoft.com" {
		t.Errorf("aud from a v2 scope = %v", aud)
	}
	created := m.createReseller(token, "entrauser")
	if created.status != http.StatusCreated {
		t.Fatalf("create reseller: %d %s", created.status, created.body)
	}
	sig := created.json()["agreementSignature"].(map[string]any)
	rel := created.json()["partnerRelationship"].(map[string]any)
	if sig["signedByUserPrincipalName"] != defaultUser || sig["signedByUserObjectId"] != defaultOID ||
		sig["signedByUserTenantId"] != defaultAcct || rel["id"] != defaultAcct || rel["name"] != "Contoso Sandbox" {
		t.Errorf("signature %v relationship %v", sig, rel)
	}
	// A refresh token is not an access token.
	wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: r.json()["refresh_token"].(string)}), http.StatusUnauthorized, 800001)
}

func TestAlteredAndExpiredTokensAreRefusedInEveryMode(t *testing.T) {
	now := time.Now()
	for _, mode := range []struct {
		name string
		opts []option
	}{{"permissive", nil}, {"strict", []option{strict}}} {
		t.Run(mode.name, func(t *testing.T) {
			m := newMock(t, append(mode.opts, clock(&now))...)
			r := m.postForm("/"+defaultAcct+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultApp}, "client_secret": {defaultKey}}, nil)
			token := r.json()["access_token"].(string)
			if got := m.do(call{method: "GET", path: "/v1/customers", token: token}); got.status != 200 {
				t.Fatalf("fresh token: %d", got.status)
			}
			// Change one claim, keep the signature.
			parts := strings.Split(token, ".")
			claims := jwtClaims(t, token)
			claims["tid"] = "a1a1a1a1-0000-4000-8000-000000000001"
			raw, _ := json.Marshal(claims)
			forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
			wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: forged}), http.StatusUnauthorized, 800001, "altered")
			// The signature of another key.
			wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: parts[0] + "." + parts[1] + ".AAAA"}), http.StatusUnauthorized, 800001)
			saved := now
			now = now.Add(time.Hour + time.Second)
			wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: token}), http.StatusUnauthorized, 800001, "expired")
			now = saved
		})
	}
}

func TestStrictModeAcceptsOnlyMockAndFixtureTokens(t *testing.T) {
	m := newMock(t, strict)
	wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: "made-up-token"}), http.StatusUnauthorized, 800001, "strict")
	// A foreign JWT (not signed by this mock's key) is unknown too.
	foreign := "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFub3RoZXIifQ.eyJ0aWQiOiJ4In0.c2ln"
	wantError(t, m.do(call{method: "GET", path: "/v1/customers", token: foreign}), http.StatusUnauthorized, 800001)
	for token, account := range map[string]string{defaultToken: defaultAcct, appOnlyToken: defaultAcct, primaryToken: "a1a1a1a1-0000-4000-8000-000000000001"} {
		r := m.do(call{method: "GET", path: "/v1/profiles/organization", token: token})
		if r.status != 200 || r.json()["id"] != account {
			t.Errorf("static token %s: %d %s", token, r.status, r.body)
		}
	}
	wantError(t, m.createReseller(primaryToken, "primarystrict"), http.StatusUnauthorized, 6002)
}

func TestPermissiveModeTreatsForeignJWTsAsTokens(t *testing.T) {
	m := newMock(t)
	foreign := "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFub3RoZXIifQ.eyJ0aWQiOiJ4In0.c2ln"
	if r := m.do(call{method: "GET", path: "/v1/profiles/organization", token: foreign}); r.status != 200 || r.json()["id"] == defaultAcct {
		t.Errorf("foreign JWT in permissive mode: %d %s", r.status, r.body)
	}
}

func TestOpenIDConfigurationAndTokenExchange(t *testing.T) {
	m := newMock(t, strict)
	for path, wantToken := range map[string]string{
		"/" + defaultAcct + "/v2.0/.well-known/openid-configuration":       "/" + defaultAcct + "/oauth2/v2.0/token",
		"/contososandbox.onmicrosoft.com/.well-known/openid-configuration": "/" + defaultAcct + "/oauth2/token",
		"/common/v2.0/.well-known/openid-configuration":                    "/{tenantid}/oauth2/v2.0/token",
	} {
		r := m.do(call{method: "GET", path: path})
		if r.status != 200 || r.json()["token_endpoint"] != m.URL+wantToken {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	wantEntraError(t, m.do(call{method: "GET", path: "/unknown.example.com/v2.0/.well-known/openid-configuration"}), 400, "invalid_request", 90002)

	r := m.postForm("/"+defaultAcct+"/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {defaultApp},
		"username": {defaultUser}, "password": {defaultPass}}, nil)
	token := r.json()["access_token"].(string)
	for _, path := range []string{"/generatetoken", "/v3/generatetoken"} {
		x := m.postForm(path, url.Values{"grant_type": {"jwt_token"}}, map[string]string{"Authorization": "Bearer " + token})
		if x.status != 200 {
			t.Fatalf("%s: %d %s", path, x.status, x.body)
		}
		pc := x.json()["access_token"].(string)
		if c := jwtClaims(t, pc); c["upn"] != defaultUser || c["tid"] != defaultAcct {
			t.Errorf("%s claims %v", path, c)
		}
		if got := m.do(call{method: "GET", path: "/v1/relationships", token: pc}); got.status != 200 {
			t.Errorf("exchanged token: %d", got.status)
		}
	}
	wantError(t, m.postForm("/generatetoken", url.Values{"grant_type": {"jwt_token"}}, map[string]string{"Authorization": "Bearer nope"}), http.StatusUnauthorized, 800001)
	wantError(t, m.postForm("/generatetoken", url.Values{"grant_type": {"other"}}, map[string]string{"Authorization": "Bearer " + token}), http.StatusBadRequest, 800002)
}
