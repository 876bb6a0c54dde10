package main

import (
	"encoding/json"
	"strings"
)

// customerDoc builds a customer document of docBytes bytes whose first ilen
// bytes, plus "}", are its list item of itemBytes bytes. extra (JSON
// members, each starting with a comma) goes at the end. A size smaller than
// the fixed members gives the smallest document instead.
func customerDoc(id, account, reseller string, itemBytes, docBytes int, extra string) (doc []byte, ilen int) {
	head := `{"id":` + quote(id) + `,"account":` + quote(account) + `,"associatedPartnerId":` + quote(reseller) + `,"pad":"`
	pad := max(0, itemBytes-len(head)-len(`"}`))
	b := make([]byte, 0, max(docBytes, len(head)+pad+64+len(extra)))
	b = append(b, head...)
	b = append(b, strings.Repeat("x", pad)...)
	b = append(b, '"')
	ilen = len(b)
	const billingHead, billingTail = `,"billingProfile":{"pad":"`, `"}`
	pad = max(0, docBytes-ilen-len(billingHead)-len(billingTail)-len(extra)-len(`}`))
	b = append(b, billingHead...)
	b = append(b, strings.Repeat("y", pad)...)
	b = append(b, billingTail...)
	b = append(b, extra...)
	return append(b, '}'), ilen
}

// resellerDoc builds a reseller create's answer of size bytes.
func resellerDoc(id, account, prefix string, size int) []byte {
	head := `{"accountId":` + quote(id) + `,"account":` + quote(account) + `,"domainPrefix":` + quote(prefix) + `,"pad":"`
	pad := max(0, size-len(head)-len(`"}`))
	return []byte(head + strings.Repeat("x", pad) + `"}`)
}

// quote is s as a JSON string.
func quote(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			b, _ := json.Marshal(s)
			return string(b)
		}
	}
	return `"` + s + `"`
}
