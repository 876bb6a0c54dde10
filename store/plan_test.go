package store

import (
	"context"
	"strings"
	"testing"
)

// Every listing is an index search within one account, so its cost
// follows that account's rows and not the table's (issue 6's large
// database). Without ANALYZE statistics the plan does not depend on the
// data, so an empty database shows it.
func TestCustomerListingsAreIndexSearchesWithinTheAccount(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: t.TempDir() + "/plan.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const reseller = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	byAccount := "SEARCH customers USING COVERING INDEX customers_account (account_id=? AND seq>?)"
	byReseller := "SEARCH customers USING COVERING INDEX customers_reseller (account_id=? AND reseller_id=? AND seq>?)"
	for _, c := range []struct {
		name string
		f    CustomerFilter
		want string
	}{
		{"everything", CustomerFilter{}, byAccount},
		{"a whole reseller id, as the SDKs send it", CustomerFilter{ResellerPrefix: strings.ToUpper(reseller)}, byReseller},
		{"a reseller caller's own customers", CustomerFilter{ResellerID: reseller}, byReseller},
		{"a prefix of a reseller id", CustomerFilter{ResellerPrefix: reseller[:8]}, byAccount},
		{"a company name prefix", CustomerFilter{CompanyNamePrefix: "Contoso"}, byAccount},
		{"a domain prefix", CustomerFilter{DomainPrefix: "contoso."}, byAccount},
	} {
		query, args := customerListQuery("acct", c.f, 0, 51)
		rows, err := s.rdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if len(plan) != 1 || plan[0] != c.want {
			t.Errorf("%s: plan %q, want [%q]", c.name, plan, c.want)
		}
	}
}
