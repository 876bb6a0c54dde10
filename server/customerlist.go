package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

const (
	defaultPageSize = 200 // size 0 or absent (chosen)
	maxPageSize     = 500
)

// listCustomers is GET /v1/customers (SPEC §3.6): creation order, keyset
// paging through opaque continuation tokens, and an optional filter.
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	q, err := queryOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	size, err := pageSize(queryValue(q, "size"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	var pos cursor
	if strings.EqualFold(queryValue(q, "seekOperation"), "next") {
		pos, err = s.decodeCursor(r.Header.Get("MS-ContinuationToken"), req.principal.TenantID())
	} else {
		pos = cursor{Account: req.principal.TenantID()}
		pos.Filter, err = parseCustomerFilter(queryValue(q, "filter"))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if res := req.principal.Reseller; res != nil {
		pos.Filter.ResellerID = res.ID // a reseller sees only its own customers (SPEC §12.2)
	}
	if pos.Filter.ResellerPrefix != "" && req.principal.AppOnly {
		writeError(w, r, errAppOnly)
		return
	}
	page, err := s.store.ListCustomers(r.Context(), req.principal.Account.ID, pos.Filter, pos.After, size)
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]customer, len(page.Customers))
	for i, c := range page.Customers {
		items[i] = listedCustomerJSON(c)
	}
	out := customerCollection(newCollection(items, "/customers?size="+strconv.Itoa(size)))
	if page.More {
		pos.After = page.Last
		token := s.encodeCursor(pos)
		out.ContinuationToken = token
		out.Links.Next = &link{
			URI:     "/customers?size=" + strconv.Itoa(size) + "&seekOperation=Next",
			Method:  "GET",
			Headers: []linkHeader{{Key: "MS-ContinuationToken", Value: token}},
		}
	}
	respondJSON(w, r, http.StatusOK, out)
}

func pageSize(v string) (int, error) {
	if v == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxPageSize {
		return 0, badInput("size must be a whole number from 1 to %d (0 or absent: %d), not %q", maxPageSize, defaultPageSize, v)
	}
	if n == 0 {
		return defaultPageSize, nil
	}
	return n, nil
}

// parseCustomerFilter reads the filter query parameter: URL-encoded JSON
// with field, value and operator in any case (fieldType is ignored).
func parseCustomerFilter(raw string) (store.CustomerFilter, error) {
	var f store.CustomerFilter
	if raw == "" {
		return f, nil
	}
	o, err := parseObject([]byte(raw))
	if err != nil {
		return f, badInput("the filter query parameter must be URL-encoded JSON such as {\"Field\":\"IndirectReseller\",\"Value\":\"<reseller id>\",\"Operator\":\"starts_with\"}")
	}
	field, _, err := o.str("field")
	if err != nil {
		return f, err
	}
	value, _, err := o.str("value")
	if err != nil {
		return f, err
	}
	op, _, err := o.str("operator")
	if err != nil {
		return f, err
	}
	if foldName(op) != "startswith" {
		return f, badInput("filter operator %q is not supported; use starts_with (or StartsWith)", op)
	}
	switch foldName(field) {
	case "indirectreseller":
		if value == "" {
			return f, badInput("filter value is required for IndirectReseller: send the reseller's tenant id")
		}
		f.ResellerPrefix = value
	case "companyname":
		f.CompanyNamePrefix = value
	case "domain":
		f.DomainPrefix = value
	case "indirectcloudsolutionprovider":
		// Every customer of this account.
	default:
		return f, badInput("filter field %q is not supported; use IndirectReseller, CompanyName, Domain or IndirectCloudSolutionProvider", field)
	}
	return f, nil
}

// cursor is what a continuation token carries: whose listing (the
// caller's tenant, so a provider's token is not a reseller's), its filter
// and the position after the last customer served.
type cursor struct {
	Account string
	After   int64
	Filter  store.CustomerFilter
}

// cursorJSON is a cursor's compact wire form inside a token.
type cursorJSON struct {
	Account  string `json:"a"`
	After    int64  `json:"p"`
	Reseller string `json:"r,omitempty"`
	Company  string `json:"c,omitempty"`
	Domain   string `json:"d,omitempty"`
}

// encodeCursor makes an opaque token: the cursor's JSON and a MAC over it,
// so an altered token is refused rather than misread.
func (s *Server) encodeCursor(c cursor) string {
	payload := mustJSON(cursorJSON{Account: c.Account, After: c.After, Reseller: c.Filter.ResellerPrefix,
		Company: c.Filter.CompanyNamePrefix, Domain: c.Filter.DomainPrefix})
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s *Server) decodeCursor(token, account string) (cursor, error) {
	var c cursorJSON
	bad := badInput("the MS-ContinuationToken header must hold the continuationToken of the previous page of this listing (follow links.next); this one is missing, altered or not yours")
	p, m, ok := strings.Cut(token, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	// Only the canonical encoding: decoding ignores a last character's
	// unused bits (and CR/LF), so an altered token could otherwise decode
	// to the same bytes and be accepted.
	canonical := base64.RawURLEncoding.EncodeToString(payload)+"."+base64.RawURLEncoding.EncodeToString(mac) == token
	if !ok || err1 != nil || err2 != nil || !canonical || !hmac.Equal(mac, s.mac(payload)) {
		return cursor{}, bad
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Account != account {
		return cursor{}, bad
	}
	return cursor{Account: c.Account, After: c.After, Filter: store.CustomerFilter{
		ResellerPrefix: c.Reseller, CompanyNamePrefix: c.Company, DomainPrefix: c.Domain}}, nil
}

func (s *Server) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, s.tokenKey)
	h.Write(payload)
	return h.Sum(nil)[:16]
}
