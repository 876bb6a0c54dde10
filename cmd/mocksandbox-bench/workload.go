package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// listSize is the page size of the list operation.
const listSize = 50

// Operation names, in the order of the report.
const (
	opGet            = "GET /v1/customers/{id}"
	opList           = "GET /v1/customers?size=50"
	opFilter         = "filter by reseller (.NET SDK, size=0)"
	opCreateCustomer = "POST /v1/customers (Java SDK body)"
	opCreateReseller = "POST /v1/sandboxIndirectReseller"
	opReplay         = "idempotent replay (reseller create)"
)

// workload builds the requests of one run against one dataset. The mock
// and the floor get the same requests.
type workload struct {
	ds    *dataset
	runID string // 8 hex digits in every created domain
	// replay is the reseller create that the replay operation re-sends.
	replay request
}

func newWorkload(ds *dataset, runID string) *workload {
	wl := &workload{ds: ds, runID: runID}
	wl.replay = wl.resellerCreate(&ds.extra, "r"+runID)
	return wl
}

func (wl *workload) get(token, path string) request {
	rid, cid := newIDs()
	return request{method: http.MethodGet, path: path, token: token, requestID: rid, correlationID: cid}
}

// pick spreads request k over the full accounts round-robin; round says
// how many times the walk has gone round.
func (wl *workload) pick(k int64) (a *benchAccount, round int) {
	n := int64(len(wl.ds.full))
	return &wl.ds.full[k%n], int(k / n)
}

func customerPath(id string) string { return "/v1/customers/" + id }

func listPath() string { return "/v1/customers?size=" + strconv.Itoa(listSize) }

// filterPath is the .NET SDK's "customers of an indirect reseller" query
// (CLIENT-WIRE.md).
func filterPath(resellerID string) string {
	f := `{"Field":"IndirectReseller","Value":"` + resellerID + `","Operator":"starts_with"}`
	return "/v1/customers?size=0&filter=" + url.QueryEscape(f)
}

// readOps are the GETs. Successive rounds of the get walk an account's
// customers, and of the filter its 2 resellers.
func (wl *workload) readOps() []*operation {
	ok := expect{status: http.StatusOK}
	return []*operation{
		{name: opGet, class: readOp, want: ok, build: func(k int64) request {
			a, round := wl.pick(k)
			return wl.get(a.token, customerPath(a.customers[round%len(a.customers)]))
		}},
		{name: opList, class: readOp, want: ok, build: func(k int64) request {
			a, _ := wl.pick(k)
			return wl.get(a.token, listPath())
		}},
		{name: opFilter, class: readOp, want: ok, build: func(k int64) request {
			a, round := wl.pick(k)
			return wl.get(a.token, filterPath(a.resellers[round%2]))
		}},
	}
}

// customerBody is the Java SDK's create request (CLIENT-WIRE.md) with the
// domain as %[1]s and the reseller as %[2]s.
const customerBody = `{"attributes":{"objectType":"Customer"},"companyProfile":{"attributes":{"objectType":"CustomerCompanyProfile"},"domain":"%[1]s"},"billingProfile":{"attributes":{"objectType":"CustomerBillingProfile"},"language":"en","email":"admin@%[1]s","culture":"en-US","companyName":"Contoso","defaultAddress":{"country":"US","city":"Redmond","state":"WA","addressLine1":"1 Microsoft Way","postalCode":"98052","firstName":"Ada","lastName":"Lovelace","phoneNumber":"4255550100"}},"associatedPartnerId":"%[2]s"}`

// resellerBody is the documented create request (SPEC §3.1, the Partner
// Center "Create Indirect Reseller in Sandbox" example) with the domain
// prefix and names replaced by %[1]s.
const resellerBody = `{
    "mpnId": "6363276",
    "tenant": {
        "domainPrefix": "%[1]s",
        "name": "%[1]s",
        "displayName": "%[1]s",
        "adminUserName": "admin",
        "adminFirstName": "%[1]s",
        "adminLastName": "%[1]s",
        "adminAlternateEmail": "%[1]s@test.com",
        "country": "US",
        "culture": "en-us"
    },
    "legalBusinessProfile": {
        "companyName": "%[1]s",
        "address": {
            "country": "FR",
            "city": "Issy-les-Moulineaux",
            "state": "",
            "addressLine1": "39-41 quai du Président Roosevelt",
            "addressLine2": "",
            "postalCode": "92130"
        },
        "primaryContact": {
            "firstName": "Sandbox",
            "lastName": "Scenario",
            "email": "Sandbox.Scenario@test.com",
            "phoneNumber": "1234567890"
        },
        "culture": "en-US"
    },
    "organizationProfileLanguage": "en"
}`

func (wl *workload) customerCreate(a *benchAccount, domain, reseller string) request {
	rid, cid := newIDs()
	return request{method: http.MethodPost, path: "/v1/customers", token: a.token, requestID: rid, correlationID: cid,
		body: fmt.Appendf(nil, customerBody, domain, reseller)}
}

// resellerCreate creates a reseller with the given domain prefix (letters
// and digits, at most 27).
func (wl *workload) resellerCreate(a *benchAccount, prefix string) request {
	rid, cid := newIDs()
	return request{method: http.MethodPost, path: "/v1/sandboxIndirectReseller", token: a.token, requestID: rid,
		correlationID: cid, body: fmt.Appendf(nil, resellerBody, prefix)}
}

var (
	wantCustomerCreated = expect{status: http.StatusCreated, contains: `"userCredentials"`}
	wantResellerCreated = expect{status: http.StatusCreated, contains: `"accountId"`}
)

// writeOps are the creates and the replay. Every create is a real insert:
// a fresh domain and MS-RequestId, round-robin over spare accounts that
// spareAccounts sized so that no create meets a limit.
func (wl *workload) writeOps() []*operation {
	cs, rs := wl.ds.customerSpares, wl.ds.resellerSpares
	replayed := wantResellerCreated
	replayed.replayed = true
	return []*operation{
		{name: opCreateCustomer, class: writeOp, want: wantCustomerCreated, build: func(k int64) request {
			a := &cs[k%int64(len(cs))]
			return wl.customerCreate(a, fmt.Sprintf("new%s%d.onmicrosoft.com", wl.runID, k), a.resellers[(k/int64(len(cs)))%2])
		}},
		{name: opCreateReseller, class: writeOp, want: wantResellerCreated, build: func(k int64) request {
			return wl.resellerCreate(&rs[k%int64(len(rs))], fmt.Sprintf("b%s%d", wl.runID, k))
		}},
		{name: opReplay, class: writeOp, want: replayed, build: func(int64) request {
			r := wl.replay
			_, r.correlationID = newIDs()
			return r
		}},
	}
}

// customerList is the part of a customer collection the set-up reads.
type customerList struct {
	TotalCount        int               `json:"totalCount"`
	ContinuationToken string            `json:"continuationToken"`
	Items             []json.RawMessage `json:"items"`
}

type listedCustomer struct {
	ID                  string `json:"id"`
	AssociatedPartnerID string `json:"associatedPartnerId"`
}

// verify checks, untimed, that a server serves the dataset: for the first,
// middle and last full account three customers, the list page and each
// reseller's filter; and that a spare account lists no customers. It
// returns the mean sizes of those answers (creates not included).
func (wl *workload) verify(ctx context.Context, base string) (sizes, error) {
	var sum struct{ doc, item, list, filter, docs, items, lists, filters int }
	full := wl.ds.full
	for _, i := range []int{0, len(full) / 2, len(full) - 1} {
		a := &full[i]
		fail := func(err error) (sizes, error) {
			return sizes{}, fmt.Errorf("%s database, account %s: %w", wl.ds.name, a.token, err)
		}
		// The last 3 customers: 2 of a reseller and a direct one, as in the
		// whole account (the get operation walks them all).
		for _, id := range a.customers[len(a.customers)-3:] {
			body, err := doExpect(ctx, base, wl.get(a.token, customerPath(id)), expect{status: http.StatusOK})
			if err != nil {
				return fail(err)
			}
			var c listedCustomer
			if err := json.Unmarshal(body, &c); err != nil || c.ID != id {
				return fail(fmt.Errorf("GET %s: got id %q (%v)", customerPath(id), c.ID, err))
			}
			sum.doc, sum.docs = sum.doc+len(body), sum.docs+1
		}

		body, err := doExpect(ctx, base, wl.get(a.token, listPath()), expect{status: http.StatusOK})
		if err != nil {
			return fail(err)
		}
		var list customerList
		if err := json.Unmarshal(body, &list); err != nil {
			return fail(err)
		}
		if len(list.Items) != listSize || list.TotalCount != listSize || list.ContinuationToken == "" {
			return fail(fmt.Errorf("GET %s: want %d items and a continuationToken (of %d customers), got totalCount %d, %d items, token %q",
				listPath(), listSize, len(a.customers), list.TotalCount, len(list.Items), list.ContinuationToken))
		}
		for j, raw := range list.Items {
			var it listedCustomer
			if err := json.Unmarshal(raw, &it); err != nil || it.ID != a.customers[j] {
				return fail(fmt.Errorf("GET %s: item %d is %s, want %s (creation order)", listPath(), j, it.ID, a.customers[j]))
			}
			sum.item, sum.items = sum.item+len(raw), sum.items+1
		}
		sum.list, sum.lists = sum.list+len(body), sum.lists+1

		for _, r := range a.resellers {
			want := 0
			for j := range a.customers {
				if a.resellerOf(j) == r {
					want++
				}
			}
			body, err := doExpect(ctx, base, wl.get(a.token, filterPath(r)), expect{status: http.StatusOK})
			if err != nil {
				return fail(err)
			}
			var f customerList
			if err := json.Unmarshal(body, &f); err != nil {
				return fail(err)
			}
			if len(f.Items) != want || f.TotalCount != want || f.ContinuationToken != "" {
				return fail(fmt.Errorf("filter by reseller %s: want all %d of its customers on one page, got totalCount %d, %d items, token %q",
					r, want, f.TotalCount, len(f.Items), f.ContinuationToken))
			}
			for _, raw := range f.Items {
				var it listedCustomer
				if err := json.Unmarshal(raw, &it); err != nil || it.AssociatedPartnerID != r {
					return fail(fmt.Errorf("filter by reseller %s: item %s has associatedPartnerId %q", r, it.ID, it.AssociatedPartnerID))
				}
			}
			sum.filter, sum.filters = sum.filter+len(body), sum.filters+1
		}
	}
	spare := &wl.ds.customerSpares[0]
	body, err := doExpect(ctx, base, wl.get(spare.token, listPath()), expect{status: http.StatusOK})
	if err != nil {
		return sizes{}, fmt.Errorf("%s database, spare account %s: %w", wl.ds.name, spare.token, err)
	}
	var empty customerList
	if err := json.Unmarshal(body, &empty); err != nil || len(empty.Items) != 0 {
		return sizes{}, fmt.Errorf("%s database, spare account %s: want no customers, got %.200s", wl.ds.name, spare.token, body)
	}
	mean := func(total, n int) int { return int(math.Round(float64(total) / float64(n))) }
	return sizes{doc: mean(sum.doc, sum.docs), item: mean(sum.item, sum.items),
		list: mean(sum.list, sum.lists), filter: mean(sum.filter, sum.filters)}, nil
}

// prime sends the set-up creates: one customer of the extra account, and
// the reseller create that the replay operation re-sends. It returns the
// sizes of their answers.
func (wl *workload) prime(ctx context.Context, base string) (customer, reseller int, err error) {
	a := &wl.ds.extra
	body, err := doExpect(ctx, base, wl.customerCreate(a, "c"+wl.runID+".onmicrosoft.com", a.resellers[0]), wantCustomerCreated)
	if err != nil {
		return 0, 0, fmt.Errorf("set up: %w", err)
	}
	customer = len(body)
	if body, err = doExpect(ctx, base, wl.replay, wantResellerCreated); err != nil {
		return 0, 0, fmt.Errorf("set up the replay: %w", err)
	}
	return customer, len(body), nil
}
