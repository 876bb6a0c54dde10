package server

import (
	"strings"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/store"
)

// catalog is the offers the mock sells, by lower-cased id.
type catalog struct {
	offers map[string]store.Offer
	order  []string // ids in catalog order
}

func newCatalog(extra []store.Offer) catalog {
	c := catalog{offers: map[string]store.Offer{}}
	// The built-in offers (SPEC §11.1) live in fixtures, whose checks
	// look offers up too; fixture entries add to them or replace one.
	for _, o := range append(fixtures.BuiltinCatalog(), extra...) {
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
