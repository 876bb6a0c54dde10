package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// Limits under load (RELIABILITY.md): many accounts create resellers and
// customers at once, far past their limits, some with limits overridden
// through PUT /_mock/accounts/{id}/limits. No account ever gets more 201s
// than its limit allows, the refusals are exactly the limit errors, and the
// listings agree afterwards; then creates race deletes and still stay
// within the limit.

type loadAccount struct {
	token               string
	resellers, customer int // the account's limits
	override            string
}

func TestLimitsHoldUnderConcurrentCreatesAcrossAccounts(t *testing.T) {
	t.Parallel()
	m := newMock(t)
	tag := strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
	var accounts []*loadAccount
	for i := range 6 {
		accounts = append(accounts, &loadAccount{token: fmt.Sprintf("load-%s-%d", tag, i), resellers: 5, customer: 75})
	}
	for i, o := range []struct {
		resellers, customers int
	}{{2, 10}, {7, 80}, {0, 0}, {1, 3}} {
		accounts = append(accounts, &loadAccount{token: fmt.Sprintf("load-%s-override-%d", tag, i), resellers: o.resellers, customer: o.customers,
			override: fmt.Sprintf(`{"resellers":%d,"customers":%d}`, o.resellers, o.customers)})
	}
	for _, a := range accounts {
		if a.override == "" {
			continue
		}
		// First use creates the account; then its limits change.
		profile := m.do(call{method: "GET", path: "/v1/profiles/organization", token: a.token})
		id, _ := profile.json()["id"].(string)
		if r := m.do(call{method: "PUT", path: "/_mock/accounts/" + id + "/limits", body: []byte(a.override)}); r.status != http.StatusOK {
			t.Fatalf("PUT limits %s: %d %s", a.override, r.status, r.body)
		}
	}

	type tally struct {
		mu      sync.Mutex
		created map[string][]string // token → ids
		refused map[string]int
	}
	count := func() *tally { return &tally{created: map[string][]string{}, refused: map[string]int{}} }
	// burst sends n requests per account, all released at once.
	burst := func(n func(*loadAccount) int, send func(a *loadAccount, i int) reply, ok, refusedStatus, refusedCode int, idKey string) *tally {
		tl := count()
		type job struct {
			a *loadAccount
			i int
		}
		var jobs []job
		for _, a := range accounts {
			for i := range n(a) {
				jobs = append(jobs, job{a, i})
			}
		}
		concurrently(len(jobs), func(j int) {
			a, i := jobs[j].a, jobs[j].i
			r := send(a, i)
			tl.mu.Lock()
			defer tl.mu.Unlock()
			switch {
			case r.status == ok:
				tl.created[a.token] = append(tl.created[a.token], r.json()[idKey].(string))
			case r.status == refusedStatus && r.json()["code"] == float64(refusedCode):
				tl.refused[a.token]++
			default:
				t.Errorf("%s: %d %s", a.token, r.status, r.body)
			}
		})
		return tl
	}

	// Resellers: three past each limit, all at once.
	res := burst(func(a *loadAccount) int { return a.resellers + 3 }, func(a *loadAccount, i int) reply {
		return m.createReseller(a.token, fmt.Sprintf("l%sa%dr%d", tag, accountIndex(accounts, a), i))
	}, http.StatusCreated, http.StatusForbidden, 6004, "accountId")
	for _, a := range accounts {
		if got := len(res.created[a.token]); got != a.resellers || res.refused[a.token] != 3 {
			t.Errorf("%s (limit %d): %d resellers created, %d refused with 6004; want %d and 3", a.token, a.resellers, got, res.refused[a.token], a.resellers)
		}
		if ids := m.resellerIDs(a.token, "IsIndirectCloudSolutionProviderOf"); len(ids) != a.resellers {
			t.Errorf("%s: %d resellers listed, limit %d", a.token, len(ids), a.resellers)
		}
	}

	// Customers: five past each limit, half of them of the account's
	// resellers (both kinds count against one limit).
	cust := burst(func(a *loadAccount) int { return a.customer + 5 }, func(a *loadAccount, i int) reply {
		reseller := ""
		if ids := res.created[a.token]; len(ids) > 0 && i%2 == 1 {
			reseller = ids[i%len(ids)]
		}
		return m.createCustomer(a.token, javaCustomerBody(fmt.Sprintf("load-%s-%d-%d.example.com", tag, accountIndex(accounts, a), i), reseller))
	}, http.StatusCreated, http.StatusBadRequest, 800018, "id")
	for _, a := range accounts {
		if got := len(cust.created[a.token]); got != a.customer || cust.refused[a.token] != 5 {
			t.Errorf("%s (limit %d): %d customers created, %d refused with 800018; want %d and 5", a.token, a.customer, got, cust.refused[a.token], a.customer)
		}
		if ids := m.customerIDs(a.token, "?size=500", nil); len(ids) != a.customer {
			t.Errorf("%s: %d customers listed, limit %d", a.token, len(ids), a.customer)
		}
	}

	// Churn: deletes race twice as many creates. Creates succeed only into
	// slots the deletes freed, so the count never passes the limit.
	deleted := map[string]int{}
	var mu sync.Mutex
	var jobs []func()
	for ai, a := range accounts {
		ids := cust.created[a.token]
		d := min(3, len(ids))
		for i := range d {
			jobs = append(jobs, func() {
				r := m.do(call{method: "DELETE", path: "/v1/customers/" + ids[i], token: a.token})
				if r.status != http.StatusNoContent {
					t.Errorf("%s: delete: %d %s", a.token, r.status, r.body)
				}
				mu.Lock()
				deleted[a.token]++
				mu.Unlock()
			})
		}
		for i := range 2*d + 1 {
			jobs = append(jobs, func() {
				r := m.createCustomer(a.token, javaCustomerBody(fmt.Sprintf("churn-%s-%d-%d.example.com", tag, ai, i), ""))
				if r.status != http.StatusCreated && r.status != http.StatusBadRequest {
					t.Errorf("%s: churn create: %d %s", a.token, r.status, r.body)
				}
			})
		}
	}
	concurrently(len(jobs), func(i int) { jobs[i]() })
	total := 0
	for _, a := range accounts {
		ids := m.customerIDs(a.token, "?size=500", nil)
		if len(ids) > a.customer {
			t.Errorf("%s: %d customers after the churn, over the limit of %d", a.token, len(ids), a.customer)
		}
		if len(ids) < a.customer-deleted[a.token] {
			t.Errorf("%s: %d customers after the churn; %d deletes from %d cannot leave fewer than %d", a.token, len(ids), deleted[a.token], a.customer, a.customer-deleted[a.token])
		}
		total += a.resellers + 3 + a.customer + 5
	}
	t.Logf("limits under load: %d accounts (%d with overridden limits), %d concurrent creates, %d churn requests; no limit exceeded",
		len(accounts), 4, total, len(jobs))
}

func accountIndex(accounts []*loadAccount, a *loadAccount) int {
	for i, x := range accounts {
		if x == a {
			return i
		}
	}
	return -1
}
