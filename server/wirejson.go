package server

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// Hand-written encoders for the customer resources, the hottest answers:
// encoding/json's reflection was about a sixth of a list page's time
// (BENCHMARKS.md). Each writes exactly what encoding/json writes for the
// same value with HTML escaping off (wirejson_test.go and
// FuzzAppendJSONString check that); mustJSON uses them.

// jsonAppender is a wire type with a hand-written encoder.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// customerCollection is the customer list's answer.
type customerCollection collection[customer]

func (c customerCollection) appendJSON(b []byte) []byte {
	b = slices.Grow(b, 512+768*len(c.Items)) // a listed customer is about 650 bytes
	b = append(b, `{"totalCount":`...)
	b = strconv.AppendInt(b, int64(c.TotalCount), 10)
	b = append(b, `,"items":`...)
	if c.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range c.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.Items[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"links":{"self":`...)
	b = c.Links.Self.appendJSON(b)
	if c.Links.Next != nil {
		b = append(b, `,"next":`...)
		b = c.Links.Next.appendJSON(b)
	}
	b = append(b, '}')
	if c.ContinuationToken != "" {
		b = append(b, `,"continuationToken":`...)
		b = appendJSONString(b, c.ContinuationToken)
	}
	b = append(b, `,"attributes":`...)
	b = c.Attributes.appendJSON(b)
	return append(b, '}')
}

func (c customer) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"commerceId":`...)
	b = appendJSONString(b, c.CommerceID)
	b = append(b, `,"companyProfile":`...)
	b = c.CompanyProfile.appendJSON(b)
	if c.BillingProfile != nil {
		b = append(b, `,"billingProfile":`...)
		b = c.BillingProfile.appendJSON(b)
	}
	b = append(b, `,"relationshipToPartner":`...)
	b = appendJSONString(b, c.RelationshipToPartner)
	if c.AllowDelegatedAccess != nil {
		b = append(b, `,"allowDelegatedAccess":`...)
		b = strconv.AppendBool(b, *c.AllowDelegatedAccess)
	}
	if u := c.UserCredentials; u != nil {
		b = append(b, `,"userCredentials":{"userName":`...)
		b = appendJSONString(b, u.UserName)
		b = append(b, `,"password":`...)
		b = appendJSONString(b, u.Password)
		b = append(b, '}')
	}
	if c.AssociatedPartnerID != "" {
		b = append(b, `,"associatedPartnerId":`...)
		b = appendJSONString(b, c.AssociatedPartnerID)
	}
	b = append(b, `,"links":`...)
	b = c.Links.appendJSON(b)
	b = append(b, `,"attributes":`...)
	b = c.Attributes.appendJSON(b)
	return append(b, '}')
}

func (p companyProfile) appendJSON(b []byte) []byte {
	b = append(b, `{"tenantId":`...)
	b = appendJSONString(b, p.TenantID)
	b = append(b, `,"domain":`...)
	b = appendJSONString(b, p.Domain)
	b = append(b, `,"companyName":`...)
	b = appendJSONString(b, p.CompanyName)
	b = append(b, `,"links":`...)
	b = p.Links.appendJSON(b)
	b = append(b, `,"attributes":`...)
	b = p.Attributes.appendJSON(b)
	return append(b, '}')
}

func (p billingProfile) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, p.ID)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, p.Email)
	b = append(b, `,"culture":`...)
	b = appendJSONString(b, p.Culture)
	b = append(b, `,"language":`...)
	b = appendJSONString(b, p.Language)
	b = append(b, `,"companyName":`...)
	b = appendJSONString(b, p.CompanyName)
	b = append(b, `,"defaultAddress":`...)
	b = p.DefaultAddress.appendJSON(b)
	b = append(b, `,"attributes":{"etag":`...)
	b = appendJSONString(b, p.Attributes.ETag)
	b = append(b, `,"objectType":`...)
	b = appendJSONString(b, p.Attributes.ObjectType)
	return append(b, "}}"...)
}

func (a address) appendJSON(b []byte) []byte {
	b = append(b, `{"country":`...)
	b = appendJSONString(b, a.Country)
	b = appendOptional(b, `,"city":`, a.City)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, a.State)
	b = appendOptional(b, `,"addressLine1":`, a.AddressLine1)
	b = appendOptional(b, `,"addressLine2":`, a.AddressLine2)
	b = appendOptional(b, `,"postalCode":`, a.PostalCode)
	b = appendOptional(b, `,"firstName":`, a.FirstName)
	b = appendOptional(b, `,"lastName":`, a.LastName)
	b = appendOptional(b, `,"phoneNumber":`, a.PhoneNumber)
	return append(b, '}')
}

func (l resourceLinks) appendJSON(b []byte) []byte {
	b = append(b, `{"self":`...)
	b = l.Self.appendJSON(b)
	return append(b, '}')
}

func (l link) appendJSON(b []byte) []byte {
	b = append(b, `{"uri":`...)
	b = appendJSONString(b, l.URI)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, l.Method)
	b = append(b, `,"headers":`...)
	if l.Headers == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i, h := range l.Headers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = appendJSONString(b, h.Key)
		b = append(b, `,"value":`...)
		b = appendJSONString(b, h.Value)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func (a attributes) appendJSON(b []byte) []byte {
	b = append(b, `{"objectType":`...)
	b = appendJSONString(b, a.ObjectType)
	return append(b, '}')
}

// appendOptional appends an omitempty string property.
func appendOptional(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendJSONString(append(b, key...), v)
}

// appendJSONString appends s as a JSON string as encoding/json writes it
// with HTML escaping off: \", \\, the short escapes, \u00XX for other
// control characters, \u2028 and \u2029, and U+FFFD for invalid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
