package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const (
	intuneDevice  = "DB2E705F-B82A-4024-A3D5-D88E12F2DB35"
	businessBasic = "CFQ7TTC0LH18:0001:CFQ7TTC0K971" // NCE, P1M/P1Y
	minimum50     = "00000000-0000-4000-8000-000000000050"
	resellerMpn   = "6363276" // the PartnerID of resellerBody
)

// buyer is a customer of a fresh reseller, ready to order for.
type buyer struct {
	m                    *mock
	token                string
	customer, resellerID string
}

func newBuyer(t *testing.T, m *mock, token string) buyer {
	t.Helper()
	prefix := "r" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	reseller := m.mustCreateReseller(token, prefix)
	customer := m.mustCreateCustomer(token, prefix+".example.com", reseller)
	return buyer{m: m, token: token, customer: customer, resellerID: reseller}
}

func orderBody(offer string, quantity int, partner string) []byte {
	return []byte(fmt.Sprintf(`{"referenceCustomerId":"","billingCycle":"monthly","lineItems":[{"lineItemNumber":0,"offerId":%q,"quantity":%d,"friendlyName":"Seats","partnerIdOnRecord":%q}]}`,
		offer, quantity, partner))
}

func (b buyer) order(body []byte) reply {
	b.m.t.Helper()
	return b.m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/orders", token: b.token, body: body})
}

func (b buyer) mustOrder(offer string, quantity int) string {
	b.m.t.Helper()
	r := b.order(orderBody(offer, quantity, ""))
	if r.status != http.StatusCreated {
		b.m.t.Fatalf("order: %d %s", r.status, r.body)
	}
	return r.json()["lineItems"].([]any)[0].(map[string]any)["subscriptionId"].(string)
}

func (b buyer) patch(sub string, body string, headers map[string]string) reply {
	b.m.t.Helper()
	return b.m.do(call{method: "PATCH", path: "/v1/customers/" + b.customer + "/subscriptions/" + sub, token: b.token, body: []byte(body), headers: headers})
}

func (b buyer) subscription(sub string) map[string]any {
	b.m.t.Helper()
	r := b.m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/subscriptions/" + sub, token: b.token})
	if r.status != 200 {
		b.m.t.Fatalf("get subscription: %d %s", r.status, r.body)
	}
	return r.json()
}

func (b buyer) activeCount() int {
	b.m.t.Helper()
	r := b.m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/subscriptions", token: b.token})
	n := 0
	for _, it := range r.json()["items"].([]any) {
		if it.(map[string]any)["status"] == "active" {
			n++
		}
	}
	return n
}

func TestTheDocumentedOrderChainWithTheResellerAsPartnerOfRecord(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	r := b.order([]byte(`{"referenceCustomerId":"` + strings.ToUpper(b.customer) + `","billingCycle":"monthly","lineItems":[{"lineItemNumber":0,"offerId":"db2e705f-b82a-4024-a3d5-d88e12f2db35","friendlyName":"Intune","quantity":5,"partnerIdOnRecord":"` + resellerMpn + `"}]}`))
	if r.status != http.StatusCreated {
		t.Fatalf("order: %d %s", r.status, r.body)
	}
	want := []string{".id", ".referenceCustomerId", ".billingCycle", ".lineItems", ".lineItems[].lineItemNumber", ".lineItems[].offerId",
		".lineItems[].subscriptionId", ".lineItems[].friendlyName", ".lineItems[].quantity", ".lineItems[].partnerIdOnRecord",
		".lineItems[].links", ".lineItems[].links.subscription", ".lineItems[].links.subscription.uri", ".lineItems[].links.subscription.method",
		".lineItems[].links.subscription.headers", ".creationDate", ".status", ".links", ".links.provisioningStatus",
		".links.provisioningStatus.uri", ".links.provisioningStatus.method", ".links.provisioningStatus.headers", ".links.self",
		".links.self.uri", ".links.self.method", ".links.self.headers", ".attributes", ".attributes.etag", ".attributes.objectType"}
	if got := orderedKeys(t, jsonDecoder(r.body), ""); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order fields\n got %v\nwant %v", got, want)
	}
	o := r.json()
	line := o["lineItems"].([]any)[0].(map[string]any)
	if o["status"] != "completed" || o["referenceCustomerId"] != b.customer || line["offerId"] != intuneDevice || line["quantity"] != float64(5) ||
		line["partnerIdOnRecord"] != resellerMpn || o["attributes"].(map[string]any)["objectType"] != "Order" {
		t.Errorf("order %v", o)
	}
	sub := b.subscription(line["subscriptionId"].(string))
	for k, v := range map[string]any{"partnerId": resellerMpn, "offerId": intuneDevice, "offerName": "Intune Device", "quantity": float64(5),
		"status": "active", "unitType": "Licenses", "billingType": "license", "billingCycle": "monthly", "contractType": "subscription",
		"autoRenewEnabled": true, "isTrial": false, "orderId": o["id"], "friendlyName": "Intune"} {
		if sub[k] != v {
			t.Errorf("subscription %s = %v, want %v", k, sub[k], v)
		}
	}
	if sub["links"].(map[string]any)["offer"] == nil || sub["attributes"].(map[string]any)["objectType"] != "Subscription" {
		t.Errorf("subscription links/attributes: %v", sub)
	}
	for _, q := range []string{"?mpn_id=" + resellerMpn, "?order_id=" + o["id"].(string)} {
		list := m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/subscriptions" + q, token: defaultToken}).json()["items"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["id"] != line["subscriptionId"] {
			t.Errorf("subscriptions%s: %v", q, list)
		}
	}
	if list := m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/subscriptions?mpn_id=1111111", token: defaultToken}).json()["items"].([]any); len(list) != 0 {
		t.Errorf("another partner's subscriptions: %v", list)
	}
	got := m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/orders/" + o["id"].(string), token: defaultToken})
	if got.status != 200 || string(got.body) != string(r.body) {
		t.Errorf("GET order differs: %s", got.body)
	}
	status := m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/orders/" + o["id"].(string) + "/provisioningstatus", token: defaultToken}).json()
	if item := status["items"].([]any)[0].(map[string]any); item["status"] != "fulfilled" {
		t.Errorf("provisioning status %v", status)
	}
	if list := m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/orders", token: defaultToken}).json(); list["totalCount"] != float64(1) {
		t.Errorf("orders list %v", list)
	}
	// The .NET SDK's body: PascalCase, nulls, BillingCycle "unknown".
	dotnet := `{"Id":null,"ReferenceCustomerId":"` + b.customer + `","BillingCycle":"unknown","LineItems":[{"LineItemNumber":0,"OfferId":"` + intuneDevice +
		`","SubscriptionId":null,"ParentSubscriptionId":null,"FriendlyName":null,"Quantity":2,"PartnerIdOnRecord":"` + resellerMpn +
		`","Links":null,"ProvisioningContext":null}],"CreationDate":null,"Status":null,"Links":null,"Attributes":{"ObjectType":"Order"}}`
	if r := b.order([]byte(dotnet)); r.status != http.StatusCreated || r.json()["billingCycle"] != "monthly" {
		t.Errorf(".NET order: %d %s", r.status, r.body)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/orders/" + uuid.NewString(), token: defaultToken}), 404, 20000)
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/subscriptions/" + uuid.NewString(), token: defaultToken}), 404, 20003)
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + uuid.NewString() + "/orders", token: defaultToken}), 404, 60003)
}

func TestOrderBodiesAreValidatedInOrder(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	cases := []struct {
		name         string
		body         string
		status, code int
	}{
		{"no line items", `{"lineItems":[]}`, 400, 800002},
		{"line numbers with a gap", `{"lineItems":[{"lineItemNumber":1,"offerId":"` + intuneDevice + `","quantity":1}]}`, 400, 800071},
		{"a repeated line number", `{"lineItems":[{"lineItemNumber":0,"offerId":"` + intuneDevice + `","quantity":1},{"lineItemNumber":0,"offerId":"` + intuneDevice + `","quantity":1}]}`, 400, 800071},
		{"a quantity that is not a number", `{"lineItems":[{"lineItemNumber":0,"offerId":"` + intuneDevice + `","quantity":"5"}]}`, 400, 800002},
		{"another customer as reference", `{"referenceCustomerId":"` + uuid.NewString() + `","lineItems":[{"lineItemNumber":0,"offerId":"` + intuneDevice + `","quantity":1}]}`, 400, 800002},
		{"a bad billing cycle", `{"billingCycle":"weekly","lineItems":[{"lineItemNumber":0,"offerId":"` + intuneDevice + `","quantity":1}]}`, 400, 800002},
		{"an NCE term the offer lacks", `{"lineItems":[{"lineItemNumber":0,"offerId":"` + businessBasic + `","quantity":1,"termDuration":"P3Y"}]}`, 400, 800002},
		{"an unknown offer", `{"lineItems":[{"lineItemNumber":0,"offerId":"` + uuid.NewString() + `","quantity":1}]}`, 400, 800004},
		{"a quantity outside the offer's range", `{"lineItems":[{"lineItemNumber":0,"offerId":"031C9E47-4802-4248-838E-778FB1D2CC05","quantity":0}]}`, 400, 2002},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, b.order([]byte(c.body)), c.status, c.code)
		})
	}
	// An unknown customer answers before an unknown offer (SPEC §2.7).
	wantError(t, m.do(call{method: "POST", path: "/v1/customers/" + uuid.NewString() + "/orders", token: defaultToken,
		body: orderBody(uuid.NewString(), 1, "")}), 404, 60003)
	if n := b.activeCount(); n != 0 {
		t.Errorf("refused orders created %d subscriptions", n)
	}
}

func TestPartnerOfRecordRules(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	other := m.do(call{method: "POST", path: "/v1/sandboxIndirectReseller", token: "por-other", body: resellerBody(t, "porother", func(v map[string]any) { v["mpnId"] = "7777777" })})
	if other.status != 201 {
		t.Fatal(other.status)
	}
	for _, c := range []struct {
		partner      string
		status, code int
	}{
		{"not-digits", 404, 800015},
		{"12345678901", 404, 800015},
		{"9999999", 404, 800015},
		{"1234567", 404, 2072}, // the default fixture account's own PartnerID
		{"7777777", 400, 800016},
	} {
		wantError(t, b.order(orderBody(intuneDevice, 1, c.partner)), c.status, c.code, c.partner)
	}
	wantError(t, m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/orders", token: appOnlyToken, body: orderBody(intuneDevice, 1, resellerMpn)}), 403, 900329)
	if r := m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/orders", token: appOnlyToken, body: orderBody(intuneDevice, 1, "")}); r.status != 201 {
		t.Errorf("app-only order without a partner: %d %s", r.status, r.body)
	}
	sub := b.mustOrder(intuneDevice, 1)
	wantError(t, b.patch(sub, `{"partnerId":"7777777"}`, nil), 400, 800016)
	if r := b.patch(sub, `{"partnerId":"`+resellerMpn+`","autoRenewEnabled":true}`, nil); r.status != 200 || r.json()["partnerId"] != resellerMpn {
		t.Errorf("PATCH partnerId: %d %s", r.status, r.body)
	}
}

func TestSandboxLimitsOnOrdersAndSubscriptions(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	wantError(t, b.order(orderBody(minimum50, 50, "")), 403, 900322, "50")
	wantError(t, b.order(orderBody(intuneDevice, 26, "")), 403, 800067, "25")
	var subs []string
	for range 5 {
		subs = append(subs, b.mustOrder(intuneDevice, 25))
	}
	wantError(t, b.order(orderBody(intuneDevice, 1, "")), 403, 800066, "5")
	// A two-line order counts its own earlier line.
	b2 := newBuyer(t, m, "limits-two")
	for range 4 {
		b2.mustOrder(intuneDevice, 1)
	}
	two := `{"lineItems":[{"lineItemNumber":0,"offerId":"` + intuneDevice + `","quantity":1},{"lineItemNumber":1,"offerId":"` + intuneDevice + `","quantity":1}]}`
	wantError(t, b2.order([]byte(two)), 403, 800066, "line item 1")
	if b2.activeCount() != 4 {
		t.Error("a refused two-line order kept its first line")
	}
	// Suspending frees a slot; reactivating needs one.
	if r := b.patch(subs[0], `{"status":"suspended","quantity":0,"autoRenewEnabled":true}`, nil); r.status != 200 || r.json()["quantity"] != float64(25) || r.json()["status"] != "suspended" {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	b.mustOrder(intuneDevice, 1)
	wantError(t, b.patch(subs[0], `{"status":"active"}`, nil), 403, 800066)
	// Quantity 26 by PATCH.
	wantError(t, b.patch(subs[1], `{"quantity":26}`, nil), 403, 800067)
	// A limits override lifts it.
	m.do(call{method: "PUT", path: "/_mock/accounts/" + defaultAcct + "/limits", body: []byte(`{"licensesPerSubscription":null,"subscriptionsPerCustomer":10}`)})
	if r := b.patch(subs[1], `{"quantity":26}`, nil); r.status != 200 {
		t.Errorf("quantity 26 without a license limit: %d %s", r.status, r.body)
	}
	if r := b.order(orderBody(minimum50, 50, "")); r.status != 201 {
		t.Errorf("the 50-minimum offer without a license limit: %d %s", r.status, r.body)
	}
}

func TestConcurrentOrdersNeverExceedFiveActiveSubscriptions(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	statuses := make([]int, 40)
	concurrently(40, func(i int) { statuses[i] = b.order(orderBody(intuneDevice, 1, "")).status })
	created := 0
	for _, s := range statuses {
		if s == 201 {
			created++
		} else if s != 403 {
			t.Errorf("status %d", s)
		}
	}
	if created != 5 || b.activeCount() != 5 {
		t.Errorf("%d orders succeeded, %d active subscriptions; want 5", created, b.activeCount())
	}
}

func TestSubscriptionPatchRules(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m := newMock(t, clock(&now))
	b := newBuyer(t, m, defaultToken)
	legacy := b.mustOrder(intuneDevice, 3)
	sub := b.subscription(legacy)
	etag := sub["attributes"].(map[string]any)["etag"].(string)

	wantError(t, b.patch(legacy, `{"quantity":4}`, map[string]string{"If-Match": `"12345"`}), 400, 2055, etag)
	r := b.patch(legacy, `{"quantity":4,"autoRenewEnabled":true}`, map[string]string{"If-Match": `"` + etag + `"`})
	if r.status != 200 || r.json()["quantity"] != float64(4) || r.json()["attributes"].(map[string]any)["etag"] == etag {
		t.Fatalf("PATCH with the current etag: %d %s", r.status, r.body)
	}
	// Leaving autoRenewEnabled out turns auto-renew off; friendlyName changes.
	if r := b.patch(legacy, `{"friendlyName":"Renamed","status":"none"}`, map[string]string{"If-Match": "*"}); r.json()["autoRenewEnabled"] != false || r.json()["friendlyName"] != "Renamed" {
		t.Errorf("PATCH friendlyName without autoRenewEnabled: %s", r.body)
	}
	// Suspend with Quantity 0 (the .NET SDK) keeps the quantity.
	if r := b.patch(legacy, `{"Quantity":0,"Status":"suspended","OfferId":"ignored","BillingCycle":"annual"}`, nil); r.json()["quantity"] != float64(4) || r.json()["status"] != "suspended" {
		t.Fatalf("suspend: %s", r.body)
	}
	wantError(t, b.patch(legacy, `{"quantity":5}`, nil), 400, 800091)
	if r := b.patch(legacy, `{"quantity":5,"status":"active"}`, nil); r.status != 200 {
		t.Errorf("reactivate with a new quantity: %d %s", r.status, r.body)
	}
	wantError(t, b.patch(legacy, `{"status":"deleted"}`, nil), 400, 800090, "new-commerce")
	wantError(t, b.patch(legacy, `{"status":"paused"}`, nil), 400, 800002, "status")

	// NCE: cancel within 7 days works, after 7 days it does not.
	nce := `{"lineItems":[{"lineItemNumber":0,"offerId":"` + businessBasic + `","quantity":2,"termDuration":"P1Y"}]}`
	first := b.order([]byte(nce)).json()["lineItems"].([]any)[0].(map[string]any)["subscriptionId"].(string)
	second := b.order([]byte(nce)).json()["lineItems"].([]any)[0].(map[string]any)["subscriptionId"].(string)
	s := b.subscription(first)
	if s["termDuration"] != "P1Y" || s["links"].(map[string]any)["product"] == nil || !strings.HasPrefix(s["commitmentEndDate"].(string), "2027-03-01") {
		t.Errorf("NCE subscription %v", s)
	}
	now = now.Add(6 * 24 * time.Hour)
	if r := b.patch(first, `{"status":"deleted"}`, nil); r.status != 200 || r.json()["status"] != "deleted" {
		t.Fatalf("NCE cancel on day 6: %d %s", r.status, r.body)
	}
	wantError(t, b.patch(first, `{"friendlyName":"x"}`, nil), 400, 2011)
	now = now.Add(2 * 24 * time.Hour)
	wantError(t, b.patch(second, `{"status":"deleted"}`, nil), 400, 800090, "7 days")
}

func TestDeletingInOrderSuspendThenCustomerThenReseller(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	sub := b.mustOrder(intuneDevice, 1)
	wantError(t, m.do(call{method: "DELETE", path: "/v1/customers/" + b.customer, token: defaultToken}), 403, 600006, sub, "Suspend")
	wantError(t, m.do(call{method: "PATCH", path: "/v1/customers/" + b.customer, token: defaultToken, body: []byte(`{"relationshipToPartner":"none"}`)}), 403, 600006)
	if r := b.patch(sub, `{"status":"suspended"}`, nil); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := m.do(call{method: "DELETE", path: "/v1/customers/" + b.customer, token: defaultToken}); r.status != 204 {
		t.Fatalf("delete customer after suspending: %d %s", r.status, r.body)
	}
	if r := m.deleteReseller(defaultToken, b.resellerID); r.status != 204 {
		t.Fatalf("delete reseller: %d %s", r.status, r.body)
	}
}

func TestAnOrderReplayCreatesNothing(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	h := map[string]string{"MS-RequestId": uuid.NewString()}
	first := m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/orders", token: defaultToken, body: orderBody(intuneDevice, 2, resellerMpn), headers: h})
	again := m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/orders", token: defaultToken, body: orderBody(intuneDevice, 2, resellerMpn), headers: h})
	if first.status != 201 || string(again.body) != string(first.body) || again.header.Get("X-Mocksandbox-Replayed") != "true" {
		t.Fatalf("replay: %d %s", again.status, again.body)
	}
	if n := b.activeCount(); n != 1 {
		t.Errorf("%d subscriptions after an order and its replay", n)
	}
}

func TestCartsCheckOutWithTheTransactionReseller(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	cartBody := func(quantity int) []byte {
		return []byte(fmt.Sprintf(`{"lineItems":[{"id":0,"catalogItemId":"cfq7ttc0lh18:0001:cfq7ttc0k971","quantity":%d,"billingCycle":"monthly","termDuration":"P1M",
			"participants":[{"key":"transaction_reseller","value":"%s"},{"key":"other","value":"x"}]}]}`, quantity, resellerMpn))
	}
	r := m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/carts", token: defaultToken, body: cartBody(3)})
	if r.status != 201 {
		t.Fatalf("create cart: %d %s", r.status, r.body)
	}
	cart := r.json()
	line := cart["lineItems"].([]any)[0].(map[string]any)
	if cart["status"] != "Active" || line["id"] != float64(0) || line["catalogItemId"] != businessBasic || line["currencyCode"] != "USD" ||
		line["orderGroup"] != "0" || len(line["participants"].([]any)) != 2 || cart["attributes"].(map[string]any)["objectType"] != "Cart" {
		t.Errorf("cart %s", r.body)
	}
	path := "/v1/customers/" + b.customer + "/carts/" + cart["id"].(string)
	out := m.do(call{method: "POST", path: path + "/checkout", token: defaultToken})
	if out.status != 201 || len(out.json()["orders"].([]any)) != 1 || len(out.json()["orderErrors"].([]any)) != 0 {
		t.Fatalf("checkout: %d %s", out.status, out.body)
	}
	order := out.json()["orders"].([]any)[0].(map[string]any)
	ol := order["lineItems"].([]any)[0].(map[string]any)
	if ol["partnerIdOnRecord"] != resellerMpn {
		t.Errorf("order line %v", ol)
	}
	if sub := b.subscription(ol["subscriptionId"].(string)); sub["partnerId"] != resellerMpn || sub["termDuration"] != "P1M" {
		t.Errorf("subscription %v", sub)
	}
	if got := m.do(call{method: "GET", path: path, token: defaultToken}).json()["status"]; got != "Ordered" {
		t.Errorf("cart status %v", got)
	}
	wantError(t, m.do(call{method: "POST", path: path + "/checkout", token: defaultToken}), 400, 800065)
	wantError(t, m.do(call{method: "PUT", path: path, token: defaultToken, body: cartBody(1)}), 400, 800065)
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/carts/" + uuid.NewString(), token: defaultToken}), 404, 800008)

	// Cart validation: a legacy offer id, a missing billing cycle, a bad partner.
	wantError(t, m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/carts", token: defaultToken,
		body: []byte(`{"lineItems":[{"catalogItemId":"` + intuneDevice + `","quantity":1,"billingCycle":"monthly"}]}`)}), 400, 800004)
	wantError(t, m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/carts", token: defaultToken,
		body: []byte(`{"lineItems":[{"catalogItemId":"` + businessBasic + `","quantity":1,"billingCycle":"unknown"}]}`)}), 400, 800002)
	wantError(t, m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/carts", token: defaultToken,
		body: []byte(`{"lineItems":[{"catalogItemId":"` + businessBasic + `","quantity":1,"billingCycle":"monthly","participants":[{"key":"transaction_reseller","value":"1234567"}]}]}`)}), 404, 2072)
}

func TestCartCheckoutRefusalsAreOrderErrors(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	newCart := func(quantity int) string {
		r := m.do(call{method: "POST", path: "/v1/customers/" + b.customer + "/carts", token: defaultToken,
			body: []byte(fmt.Sprintf(`{"lineItems":[{"catalogItemId":"%s","quantity":%d,"billingCycle":"monthly"}]}`, businessBasic, quantity))})
		if r.status != 201 {
			t.Fatalf("cart: %d %s", r.status, r.body)
		}
		return "/v1/customers/" + b.customer + "/carts/" + r.json()["id"].(string)
	}
	checkout := func(path string) map[string]any {
		r := m.do(call{method: "POST", path: path + "/checkout", token: defaultToken})
		if r.status != 201 {
			t.Fatalf("checkout: %d %s", r.status, r.body)
		}
		return r.json()
	}
	big := newCart(26)
	out := checkout(big)
	errs := out["orderErrors"].([]any)
	if len(out["orders"].([]any)) != 0 || len(errs) != 1 || errs[0].(map[string]any)["code"] != float64(10015) || errs[0].(map[string]any)["orderGroupId"] != "0" {
		t.Errorf("checkout of 26 seats: %v", out)
	}
	if m.do(call{method: "GET", path: big, token: defaultToken}).json()["status"] != "Active" {
		t.Error("a refused checkout changed the cart's status")
	}
	for range 5 {
		b.mustOrder(intuneDevice, 1)
	}
	out = checkout(newCart(1))
	if errs := out["orderErrors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["code"] != float64(10009) {
		t.Errorf("checkout of a 6th subscription: %v", out)
	}
}

func TestOffersAndAgreementStatus(t *testing.T) {
	m := newMock(t)
	r := m.do(call{method: "GET", path: "/v1/offers?country=us", token: defaultToken})
	items := r.json()["items"].([]any)
	if r.status != 200 || len(items) != 6 {
		t.Fatalf("offers: %d, %d items", r.status, len(items))
	}
	first := items[0].(map[string]any)
	if first["id"] != "031C9E47-4802-4248-838E-778FB1D2CC05" || first["maximumQuantity"] != float64(300) || first["unitType"] != "Licenses" ||
		first["billing"] != "license" || first["country"] != "US" || first["attributes"].(map[string]any)["objectType"] != "Offer" {
		t.Errorf("first offer %v", first)
	}
	if r := m.do(call{method: "GET", path: "/v1/offers/db2e705f-b82a-4024-a3d5-d88e12f2db35?country=US", token: defaultToken}); r.json()["id"] != intuneDevice {
		t.Errorf("offer by id in another case: %s", r.body)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/offers", token: defaultToken}), 400, 800002, "country")
	wantError(t, m.do(call{method: "GET", path: "/v1/offers/" + businessBasic + "?country=US", token: defaultToken}), 400, 2100)
	wantError(t, m.do(call{method: "GET", path: "/v1/offers/" + uuid.NewString() + "?country=US", token: defaultToken}), 400, 800004)

	reseller := m.mustCreateReseller(defaultToken, "agreement")
	for _, q := range []string{"mpnId=" + resellerMpn, "tenantId=" + strings.ToUpper(reseller)} {
		r := m.do(call{method: "GET", path: "/v1/compliance/csp/agreementstatus?" + q, token: defaultToken})
		if r.status != 200 || string(r.body) != `{"isAgreementSigned":true}` {
			t.Errorf("agreement status ?%s: %d %s", q, r.status, r.body)
		}
	}
	for q, code := range map[string]int{"": 2001, "mpnId=1&tenantId=" + reseller: 2000, "mpnId=abc": 2000, "tenantId=nope": 2000, "mpnId=9999999": 2200} {
		wantError(t, m.do(call{method: "GET", path: "/v1/compliance/csp/agreementstatus?" + q, token: defaultToken}), 400, code)
	}
	wantError(t, m.do(call{method: "GET", path: "/v1/compliance/csp/agreementstatus?mpnId=" + resellerMpn, token: appOnlyToken}), 403, 900329)
}

func TestSubscriptionsFollowSnapshotsAndResets(t *testing.T) {
	m := newMock(t)
	b := newBuyer(t, m, defaultToken)
	b.mustOrder(intuneDevice, 1)
	m.control("POST", "/_mock/snapshots/one-sub", "")
	b.mustOrder(intuneDevice, 1)
	m.control("POST", "/_mock/snapshots/one-sub/restore", "")
	if n := b.activeCount(); n != 1 {
		t.Errorf("after restore: %d subscriptions", n)
	}
	m.control("POST", "/_mock/reset", "")
	wantError(t, m.do(call{method: "GET", path: "/v1/customers/" + b.customer + "/subscriptions", token: defaultToken}), 404, 60003)
}
