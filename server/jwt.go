package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// The mock signs its tokens with HMAC-SHA256 (HS256) under a key kept in
// the database. SDKs never verify access tokens, they only parse them
// (PowerShell reads exp and tid), so a symmetric key is enough and needs no
// JWKS document.

// claims are the JWT claims the mock issues and reads (SPEC §4.2).
type claims struct {
	Aud   string `json:"aud"`
	Iss   string `json:"iss"`
	Iat   int64  `json:"iat"`
	Nbf   int64  `json:"nbf"`
	Exp   int64  `json:"exp"`
	AppID string `json:"appid"`
	IDTyp string `json:"idtyp"` // "app" or "user"
	OID   string `json:"oid,omitempty"`
	Scp   string `json:"scp,omitempty"` // set on App+User tokens only
	Tid   string `json:"tid"`
	UPN   string `json:"upn,omitempty"`
	Ver   string `json:"ver"`
	// Use is "refresh" on refresh tokens, which are not bearer tokens.
	Use string `json:"mocksandbox_use,omitempty"`
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// signer signs and verifies the mock's tokens.
type signer struct {
	key []byte
	kid string // "mocksandbox-" + a digest of the key: names this mock's key
}

func newSigner(key []byte) signer {
	sum := sha256.Sum256(key)
	return signer{key: key, kid: "mocksandbox-" + hex.EncodeToString(sum[:6])}
}

var (
	// errNotMockJWT: the string is not a token signed by this mock's key id.
	errNotMockJWT = errors.New("not a mocksandbox token")
	// errBadToken: a token with this mock's key id that does not verify,
	// is expired or not yet valid, or is not an access token.
	errBadToken = errors.New("token does not verify")
)

var b64 = base64.RawURLEncoding

func (s signer) sign(c claims) string {
	head := b64.EncodeToString(mustJSON(jwtHeader{Alg: "HS256", Typ: "JWT", Kid: s.kid}))
	body := b64.EncodeToString(mustJSON(c))
	return head + "." + body + "." + b64.EncodeToString(s.mac(head+"."+body))
}

func (s signer) mac(signingInput string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(signingInput))
	return h.Sum(nil)
}

// verify checks a compact JWS: errNotMockJWT unless its header names this
// mock's key id; errBadToken unless it verifies and is valid at now.
func (s signer) verify(token string, now time.Time) (claims, error) {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errNotMockJWT
	}
	var h jwtHeader
	rawHead, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(rawHead, &h) != nil || h.Kid != s.kid {
		return c, errNotMockJWT
	}
	sig, err := b64.DecodeString(parts[2])
	// The signature only in its canonical encoding: decoding ignores the
	// last character's unused bits, so an altered signature could decode
	// to the same bytes and verify.
	if err != nil || h.Alg != "HS256" || b64.EncodeToString(sig) != parts[2] || !hmac.Equal(sig, s.mac(parts[0]+"."+parts[1])) {
		return c, errBadToken
	}
	rawBody, err := b64.DecodeString(parts[1])
	if err != nil {
		return c, errBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(rawBody))
	if err := dec.Decode(&c); err != nil {
		return c, errBadToken
	}
	if t := now.Unix(); t >= c.Exp || t < c.Nbf {
		return c, errBadToken
	}
	return c, nil
}
