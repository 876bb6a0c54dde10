package store

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeAddress reads an address column, which json.Marshal of an Address
// wrote: a flat object of string properties. Without a backslash no value
// holds an escape, so the properties are read as they stand; anything else
// (escapes, an unknown name, another shape) goes through encoding/json.
// Decoding every customer's and account's address with encoding/json was
// a tenth of reading them (BENCHMARKS.md, round 3).
func decodeAddress(s string) (Address, error) {
	var a Address
	if strings.IndexByte(s, '\\') < 0 && a.readFlat(s) {
		return a, nil
	}
	a = Address{}
	return a, json.Unmarshal([]byte(s), &a)
}

// readFlat reads s when it is exactly {"name":"value",...} with known,
// distinct names and values of valid UTF-8 without control characters,
// and reports whether it was.
func (a *Address) readFlat(s string) bool {
	rest, ok := strings.CutPrefix(s, "{")
	if !ok {
		return false
	}
	if rest == "}" {
		return true
	}
	for {
		var name, value string
		if rest, ok = strings.CutPrefix(rest, `"`); !ok {
			return false
		}
		if name, rest, ok = strings.Cut(rest, `":"`); !ok {
			return false
		}
		if value, rest, ok = strings.Cut(rest, `"`); !ok || !plainJSONText(value) {
			return false
		}
		field := a.field(name)
		if field == nil || *field != "" {
			return false
		}
		*field = value
		if rest == "}" {
			return true
		}
		if rest, ok = strings.CutPrefix(rest, ","); !ok {
			return false
		}
	}
}

// plainJSONText reports whether s reads the same inside JSON quotes as
// outside: valid UTF-8 and no control characters.
func plainJSONText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return false
		}
	}
	return utf8.ValidString(s)
}

// field is the property of a that json.Marshal names name.
func (a *Address) field(name string) *string {
	switch name {
	case "country":
		return &a.Country
	case "region":
		return &a.Region
	case "city":
		return &a.City
	case "state":
		return &a.State
	case "addressLine1":
		return &a.AddressLine1
	case "addressLine2":
		return &a.AddressLine2
	case "addressLine3":
		return &a.AddressLine3
	case "postalCode":
		return &a.PostalCode
	case "firstName":
		return &a.FirstName
	case "lastName":
		return &a.LastName
	case "phoneNumber":
		return &a.PhoneNumber
	}
	return nil
}
