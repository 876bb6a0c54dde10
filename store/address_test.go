package store

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// decodeAddress reads what json.Marshal wrote exactly as encoding/json
// reads it.
func TestDecodeAddressReadsWhatJSONMarshalWrote(t *testing.T) {
	pieces := []string{"", "US", "Redmond", "1 Microsoft Way", `"`, `\`, "\n", "<&>", "é", "\u2028", "\xff", "x:y", `","`, "}", "{"}
	r := rand.New(rand.NewPCG(5, 6))
	s := func() string {
		out := ""
		for range r.IntN(3) {
			out += pieces[r.IntN(len(pieces))]
		}
		return out
	}
	for range 5000 {
		in := Address{Country: s(), Region: s(), City: s(), State: s(), AddressLine1: s(), AddressLine2: s(),
			AddressLine3: s(), PostalCode: s(), FirstName: s(), LastName: s(), PhoneNumber: s()}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		checkDecodeAddress(t, string(b))
	}
}

func checkDecodeAddress(t *testing.T, s string) {
	t.Helper()
	var want Address
	wantErr := json.Unmarshal([]byte(s), &want)
	got, err := decodeAddress(s)
	if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
		t.Fatalf("decodeAddress(%q) = %+v, %v; encoding/json: %+v, %v", s, got, err, want, wantErr)
	}
}

// FuzzDecodeAddress: on any text, decodeAddress agrees with encoding/json.
func FuzzDecodeAddress(f *testing.F) {
	for _, s := range []string{`{}`, `{"country":"US","city":"Redmond","state":"WA"}`, `{"country":"U\"S"}`,
		`{"Country":"US"}`, `{"country":"US","country":"GB"}`, `{"country":1}`, `{"country":"US",}`, `{"nope":"x"}`, ``, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkDecodeAddress(t, s) })
}
