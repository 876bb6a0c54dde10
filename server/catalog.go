package server

import (
	"strings"

	"github.com/mocksandbox/mocksandbox/store"
)

// builtinCatalog holds the documented example offers (SPEC §11.1); it is
// always loaded, and fixture entries add to it or replace its entries.
var builtinCatalog = []store.Offer{
	{ID: "031C9E47-4802-4248-838E-778FB1D2CC05", Name: "Office 365 Business Premium", MinimumQuantity: 1, MaximumQuantity: 300},
	{ID: "91FD106F-4B2C-4938-95AC-F54F74E9A239", Name: "Office 365 Enterprise E1", MinimumQuantity: 1, MaximumQuantity: 10000},
	{ID: "796B6B5F-613C-4E24-A17C-EBA730D49C02", Name: "Office 365 Enterprise E3", MinimumQuantity: 1, MaximumQuantity: 10000},
	{ID: "DB2E705F-B82A-4024-A3D5-D88E12F2DB35", Name: "Intune Device", MinimumQuantity: 1, MaximumQuantity: 10000},
	{ID: "C0BD2E08-11AC-4836-BDC7-3712E744922F", Name: "Office 365 Business Premium Trial", MinimumQuantity: 25, MaximumQuantity: 25, IsTrial: true},
	{ID: "CFQ7TTC0LH18:0001:CFQ7TTC0K971", Name: "Microsoft 365 Business Basic", MinimumQuantity: 1, MaximumQuantity: 300, NCE: true, TermDurations: []string{"P1M", "P1Y"}},
	{ID: "CFQ7TTC0LF8S:0001:CFQ7TTC0N81H", Name: "Office 365 E5 (no Audio Conferencing)", MinimumQuantity: 1, MaximumQuantity: 10000, NCE: true, TermDurations: []string{"P1M"}},
	{ID: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", Name: "AI Builder Capacity add-on", MinimumQuantity: 1, MaximumQuantity: 10000, NCE: true, TermDurations: []string{"P1M"}},
	{ID: "00000000-0000-4000-8000-000000000050", Name: "Mock offer with a 50-license minimum", MinimumQuantity: 50, MaximumQuantity: 10000},
}

// catalog is the offers the mock sells, by lower-cased id.
type catalog struct {
	offers map[string]store.Offer
	order  []string // ids in catalog order
}

func newCatalog(extra []store.Offer) catalog {
	c := catalog{offers: map[string]store.Offer{}}
	for _, o := range append(append([]store.Offer{}, builtinCatalog...), extra...) {
		key := strings.ToLower(o.ID)
		if _, seen := c.offers[key]; !seen {
			c.order = append(c.order, key)
		}
		c.offers[key] = o
	}
	return c
}

// lookup finds an offer by id in any case (nil: not in the catalog).
func (c catalog) lookup(id string) *store.Offer {
	if o, ok := c.offers[strings.ToLower(id)]; ok {
		return &o
	}
	return nil
}

// legacy lists the license-based offers, in catalog order.
func (c catalog) legacy() []store.Offer {
	var out []store.Offer
	for _, id := range c.order {
		if o := c.offers[id]; !o.NCE {
			out = append(out, o)
		}
	}
	return out
}
