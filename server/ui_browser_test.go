package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/fixtures"
	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

// The two-accounts example fixture the browser test seeds the mock with.
const (
	uiFixture       = "../fixtures/examples/two-accounts.json"
	uiAdminToken    = "inspector-admin-token"
	fabrikamAccount = "5a0d0000-0000-4000-8000-000000000001"
	fabrikamToken   = "fabrikam-sandbox-token"
)

// startUIMock runs a mock seeded from the two-accounts example, with an
// admin token, on a temp-file database.
func startUIMock(t *testing.T) string {
	t.Helper()
	seed, err := fixtures.LoadPath(uiFixture)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "ui.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: st, Logger: zerolog.New(io.Discard), Version: "test",
		Seed: seed, JournalSize: 1000, AdminToken: uiAdminToken})
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkReady()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL
}

// pcCall is one Partner Center call as a client under test makes it.
func pcCall(t *testing.T, base, method, path, correlationID string, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fabrikamToken)
	req.Header.Set("MS-CorrelationId", correlationID)
	req.Header.Set("MS-RequestId", uuid.NewString())
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// screenshotDir is where the browser test saves its screenshots:
// $MOCKSANDBOX_UI_SCREENSHOTS (relative to the server package), else a
// folder in the system temp directory. The README's come from
// MOCKSANDBOX_UI_SCREENSHOTS=../docs.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MOCKSANDBOX_UI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mocksandbox-ui")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestInspectorInChromium opens /_mock/ui in headless Chromium against a
// running mock and uses it as a person debugging a failing test would.
func TestInspectorInChromium(t *testing.T) {
	chromium, chromedriver, missing := lookChromium()
	if missing != "" {
		t.Skip(missing)
	}
	base := startUIMock(t)
	b := startBrowser(t, chromium, chromedriver)
	shots := screenshotDir(t)
	t.Cleanup(func() {
		if t.Failed() {
			var html string
			if b.call(http.MethodPost, b.session+"/execute/sync", map[string]any{
				"script": "return document.documentElement.outerHTML;", "args": []any{}}, &html) == nil {
				os.WriteFile(filepath.Join(shots, "failure.html"), []byte(html), 0o644)
			}
			var data string
			if b.call(http.MethodGet, b.session+"/screenshot", nil, &data) == nil {
				if png, err := base64.StdEncoding.DecodeString(data); err == nil {
					os.WriteFile(filepath.Join(shots, "failure.png"), png, 0o644)
				}
			}
			t.Logf("the page at the failure: %s and %s", filepath.Join(shots, "failure.png"), filepath.Join(shots, "failure.html"))
		}
	})
	var saved []string
	shot := func(name string) { saved = append(saved, b.screenshot(filepath.Join(shots, name))) }

	b.viewport(1280, 900)
	b.open(base + "/_mock/ui")

	// The mock has an admin token: the page loads, says it needs the token,
	// and works once it is typed in.
	b.waitText("#notice", "--admin-token")
	b.typeInto("#admin-token", uiAdminToken)
	b.click("#token-form button")
	fabrikam := fmt.Sprintf(`.account-card[data-account=%q]`, fabrikamAccount)
	b.waitText(fabrikam+` [data-kind="resellers"] .usage-count`, "2 / 5")
	b.waitText(fabrikam+` [data-kind="customers"] .usage-count`, "4 / 75")
	b.waitText(`.account-card[data-account="b0e20000-0000-4000-8000-000000000001"]`, "PRIMARY")
	if got := b.text("#resellers-table"); !strings.Contains(got, "northwindreseller.onmicrosoft.com") || !strings.Contains(got, "6363276") {
		t.Fatalf("the selected account's resellers show PartnerID and domain; got %q", got)
	}

	// A reseller created through the API appears, with the usage bar at
	// the new count.
	const correlationID = "7c0ffee0-1234-4abc-8def-0123456789ab"
	status, _, body := pcCall(t, base, http.MethodPost, "/v1/sandboxIndirectReseller", correlationID, uiResellerBody)
	if status != http.StatusCreated {
		t.Fatalf("creating a reseller: %d %s", status, body)
	}
	b.waitText(fabrikam+` [data-kind="resellers"] .usage-count`, "3 / 5")
	var bar struct {
		Now   string `json:"now"`
		Width string `json:"width"`
	}
	b.script(&bar, `const m = document.querySelector(arguments[0]);
		return {now: m.getAttribute("aria-valuenow"), width: m.firstElementChild.style.width};`,
		fabrikam+` [data-kind="resellers"] [role="meter"]`)
	if bar.Now != "3" || bar.Width != "60%" {
		t.Fatalf("the resellers bar after the create: aria-valuenow %q, width %q; want 3 and 60%%", bar.Now, bar.Width)
	}
	b.waitText("#resellers-table", "blueyonderreseller.onmicrosoft.com")

	// The filter box narrows both tables; a customer opens its detail.
	b.typeInto("#account-filter", "litware")
	b.waitFor("the filter to leave one customer", func() (bool, string) {
		var n int
		b.script(&n, `return document.querySelectorAll("#customers-table tbody tr").length;`)
		return n == 1, fmt.Sprintf("%d rows", n)
	})
	b.click(`#customers-table tr[data-customer="5a0d0000-0000-4000-8000-0000000000c3"] button`)
	b.waitText("#customer-detail", "Litware Inc")
	for _, want := range []string{"Northwind Traders", "6363276", "5 Litware Lane", "5a0d0000-0000-4000-8000-0000000000d3"} {
		if got := b.text("#customer-detail"); !strings.Contains(got, want) {
			t.Fatalf("the customer detail shows %q; got %q", want, got)
		}
	}
	var created struct{ Text, Title string }
	b.script(&created, `const t = document.querySelector("#customer-detail time"); return {Text: t.textContent, Title: t.title};`)
	if created.Title != "2024-03-01T12:00:00 UTC" || !strings.HasPrefix(created.Text, "2024-03-0") {
		t.Fatalf("times show local time with the UTC value on hover; got %+v", created)
	}
	b.clear("#account-filter")
	b.waitFor("the filter to be cleared", func() (bool, string) {
		var n int
		b.script(&n, `return document.querySelectorAll("#customers-table tbody tr").length;`)
		return n == 4, fmt.Sprintf("%d rows", n)
	})
	b.script(nil, `document.activeElement.blur(); window.scrollTo(0, 0);`)
	shot("ui-accounts-1280.png")

	// Traffic: filter the journal by the known correlation id and expand
	// its row, request and response (password redacted) included.
	for _, p := range []string{"/v1/customers?size=2", "/v1/customers/5a0d0000-0000-4000-8000-0000000000c3", "/v1/customers/00000000-0000-4000-8000-00000000dead", "/v1/profiles/organization"} {
		pcCall(t, base, http.MethodGet, p, uuid.NewString(), "")
	}
	b.click("#tab-traffic")
	b.waitFor("the journal to list the calls", func() (bool, string) {
		var n int
		b.script(&n, `return document.querySelectorAll("#journal details.entry").length;`)
		return n == 5, fmt.Sprintf("%d rows", n)
	})
	b.typeInto("#f-correlation", correlationID)
	b.waitFor("the correlation filter to leave one row", func() (bool, string) {
		var rows []string
		b.script(&rows, `return [...document.querySelectorAll("#journal details.entry")].map(e => e.dataset.correlation);`)
		return len(rows) == 1 && rows[0] == correlationID, fmt.Sprint(rows)
	})
	b.click("#journal details.entry summary")
	b.waitText("#journal details.entry[open] .entry-body", "blueyonderreseller")
	entry := b.text("#journal details.entry[open] .entry-body")
	for _, want := range []string{correlationID, `"domainPrefix": "blueyonderreseller"`, `"password": "***"`, "Authorization", "***"} {
		if !strings.Contains(entry, want) {
			t.Fatalf("the expanded row shows %q; got:\n%s", want, entry)
		}
	}
	b.clear("#f-correlation")
	b.click("#traffic-refresh")
	b.waitFor("all rows again, the expanded one still open", func() (bool, string) {
		var n, open int
		b.script(&n, `return document.querySelectorAll("#journal details.entry").length;`)
		b.script(&open, `return document.querySelectorAll("#journal details.entry[open]").length;`)
		return n == 5 && open == 1, fmt.Sprintf("%d rows, %d open", n, open)
	})

	// Control: a 429 fault added from the page throttles the next call.
	b.click("#tab-control")
	b.click(`#fault-kind option[value="429"]`)
	b.click(`#fault-method option[value="GET"]`)
	b.typeInto("#fault-path", "/v1/customers")
	b.click("#fault-add")
	b.waitText("#fault-table", "429 throttle")
	b.waitText("#fault-table", "/v1/customers")
	status, header, body := pcCall(t, base, http.MethodGet, "/v1/customers", uuid.NewString(), "")
	if status != http.StatusTooManyRequests || header.Get("Retry-After") != "1" || !strings.Contains(body, `"statusCode":429`) {
		t.Fatalf("the call after adding the fault from the page: %d Retry-After %q %s", status, header.Get("Retry-After"), body)
	}
	if status, _, body := pcCall(t, base, http.MethodGet, "/v1/customers", uuid.NewString(), ""); status != http.StatusOK {
		t.Fatalf("the rule fires once: the next call answered %d %s", status, body)
	}
	b.waitText("#fault-table", "0 of 1")

	// A delay rule shows its own field, and Remove takes one rule away.
	b.click(`#fault-kind option[value="delay"]`)
	var fields struct{ Delay, Retry bool }
	b.script(&fields, `return {Delay: !document.querySelector("#fault-delay").closest(".field").hidden,
		Retry: !document.querySelector("#fault-retry").closest(".field").hidden};`)
	if !fields.Delay || fields.Retry {
		t.Fatalf("a delay rule asks for the delay and not Retry-After; visible: %+v", fields)
	}
	b.click("#fault-add")
	b.waitText("#fault-table", "delay 2000 ms")
	b.click(`#fault-table tbody tr:last-child button`)
	b.waitFor("the delay rule to go", func() (bool, string) {
		got := b.text("#fault-table")
		return !strings.Contains(got, "delay") && strings.Contains(got, "429 throttle"), got
	})
	b.typeInto("#snapshot-name", "with-blue-yonder")
	b.click(`#snapshot-form button[type="submit"]`)
	b.waitText("#snapshot-list", "with-blue-yonder")
	shot("ui-control-1280.png")

	// The throttled call is in the journal, marked as a fault.
	b.click("#tab-traffic")
	b.waitFor("the fault-marked row", func() (bool, string) {
		got := b.text("#journal details.entry.has-fault")
		return strings.Contains(got, "fault: status 429") && strings.Contains(got, "429"), got
	})
	b.script(nil, `window.scrollTo(0, 0);`)
	shot("ui-traffic-1280.png")

	// Reset from the page: the seed again, faults gone.
	b.click("#tab-control")
	b.click("#reset-all")
	b.waitText("#notice", "back to the fixture seed")
	b.waitText("#fault-list", "No fault rules")
	b.click("#tab-accounts")
	b.waitText(fabrikam+` [data-kind="resellers"] .usage-count`, "2 / 5")
	if got := b.text("#resellers-table"); strings.Contains(got, "blueyonderreseller") || !strings.Contains(got, "tailspinreseller") {
		t.Fatalf("after reset the created reseller is gone; the table shows %q", got)
	}

	// The snapshot taken before the reset brings the reseller back.
	b.click("#tab-control")
	b.click(`#snapshot-list li[data-snapshot="with-blue-yonder"] button`)
	b.waitText("#notice", "Restored snapshot")
	b.click("#tab-accounts")
	b.waitText(fabrikam+` [data-kind="resellers"] .usage-count`, "3 / 5")

	// Keyboard: the tabs move with the arrow keys and every control is
	// in the tab order.
	b.typeInto("#tab-accounts", "\uE014") // ArrowRight
	b.waitFor("ArrowRight to open Traffic", func() (bool, string) {
		var s struct{ Hidden, Focused bool }
		b.script(&s, `return {Hidden: document.querySelector("#view-traffic").hidden, Focused: document.activeElement.id === "tab-traffic"};`)
		return !s.Hidden && s.Focused, fmt.Sprintf("%+v", s)
	})
	var unreachable []string
	b.script(&unreachable, `return [...document.querySelectorAll("button, input, select, summary, a[href]")]
		.filter(e => e.getClientRects().length && e.tabIndex < 0 && e.getAttribute("role") !== "tab")
		.map(e => e.outerHTML.slice(0, 80));`)
	if len(unreachable) > 0 {
		t.Fatalf("controls out of the tab order: %q", unreachable)
	}

	b.click("#tab-accounts")
	for _, view := range []string{"accounts", "control"} {
		b.click("#tab-" + view)
		if got := b.text("#view-" + view); regexp.MustCompile(`\b(null|undefined|NaN|\[object Object\])`).MatchString(got) {
			t.Fatalf("the %s view shows a JavaScript placeholder:\n%s", view, got)
		}
	}

	// 390 px: every view fits without sideways scrolling.
	b.viewport(390, 844)
	for _, view := range []string{"traffic", "control", "accounts"} {
		b.click("#tab-" + view)
		if view == "accounts" { // with a customer's detail open
			b.click(`#customers-table tr[data-customer="5a0d0000-0000-4000-8000-0000000000c1"] button`)
			b.waitText("#customer-detail", "Adatum Corporation")
		}
		b.waitFor(view+" to fit 390 px", func() (bool, string) {
			var w int
			b.script(&w, `return document.documentElement.scrollWidth;`)
			return w <= 390, fmt.Sprintf("scrollWidth %d", w)
		})
		if view == "traffic" {
			b.click("#journal details.entry.has-fault summary")
			b.waitText("#journal details.entry[open] .entry-body", "Rate limit is exceeded")
			b.script(nil, `document.querySelector("#journal").scrollIntoView();`)
			shot("ui-traffic-390.png")
		}
	}
	b.script(nil, `window.scrollTo(0, 0);`)
	shot("ui-accounts-390.png")

	// Clearing the journal from the page empties the Traffic view.
	b.click("#tab-control")
	b.click("#journal-clear")
	b.waitText("#notice", "The journal is empty")
	b.click("#tab-traffic")
	b.waitText("#journal", "No requests yet")

	// Nothing the page did left the mock's origin, and the console holds
	// no error but the one 401 before the token was typed.
	var resources []string
	b.script(&resources, `return performance.getEntriesByType("resource").map(e => e.name);`)
	if len(resources) < 5 {
		t.Fatalf("resource timing saw only %d requests: %q", len(resources), resources)
	}
	for _, u := range resources {
		if !strings.HasPrefix(u, base+"/") {
			t.Errorf("the page requested %s, outside %s", u, base)
		}
	}
	// The DevTools log starts with the browser's own new-tab page: count
	// from the navigation to the inspector on.
	requests, onPage := 0, false
	for _, e := range b.logs("performance") {
		var ev struct {
			Message struct {
				Method string `json:"method"`
				Params struct {
					Request struct {
						URL string `json:"url"`
					} `json:"request"`
				} `json:"params"`
			} `json:"message"`
		}
		if json.Unmarshal([]byte(e.Message), &ev) != nil || ev.Message.Method != "Network.requestWillBeSent" {
			continue
		}
		u := ev.Message.Params.Request.URL
		if onPage = onPage || u == base+"/_mock/ui"; !onPage {
			continue
		}
		requests++
		if !strings.HasPrefix(u, base+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the browser sent a request to %s, outside %s", u, base)
		}
	}
	if requests < 5 {
		t.Fatalf("the DevTools log saw only %d requests", requests)
	}
	for _, e := range b.logs("browser") {
		switch {
		case e.Level != "SEVERE" || strings.Contains(e.Message, "status of 401"):
		case strings.Contains(e.Message, "Content Security Policy"):
			t.Errorf("the page tried to reach outside its origin: %s", e.Message)
		default:
			t.Errorf("console error: %s", e.Message)
		}
	}
	t.Logf("screenshots: %s", strings.Join(saved, ", "))
}

// uiResellerBody creates the reseller the browser test watches appear.
const uiResellerBody = `{"mpnId":"7000001","tenant":{"domainPrefix":"blueyonderreseller","name":"Blue Yonder Airlines",
"displayName":"Blue Yonder Airlines","adminUserName":"admin","adminFirstName":"Blue","adminLastName":"Yonder",
"adminAlternateEmail":"admin@blueyonder.example","country":"US","culture":"en-US"},
"legalBusinessProfile":{"companyName":"Blue Yonder Airlines","address":{"country":"US","city":"Seattle",
"addressLine1":"1 Airport Way","postalCode":"98108","state":"WA"},"primaryContact":{"firstName":"Blue",
"lastName":"Yonder","email":"admin@blueyonder.example","phoneNumber":"2065550100"},"culture":"en-US"},
"organizationProfileLanguage":"en"}`
