package sandboxtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/mocksandbox/mocksandbox/server/sandboxtest"
)

func createReseller(t *testing.T, sb *sandboxtest.Sandbox, prefix string) int {
	t.Helper()
	body := `{"mpnId":"123","tenant":{"domainPrefix":"` + prefix + `","name":"R","displayName":"R","adminUserName":"admin",
		"adminFirstName":"A","adminLastName":"B","adminAlternateEmail":"a@b.com","country":"US","culture":"en-US"},
		"legalBusinessProfile":{"companyName":"R","address":{"country":"US","city":"C","addressLine1":"1","postalCode":"1"},
		"primaryContact":{"firstName":"A","lastName":"B","email":"a@b.com","phoneNumber":"1"},"culture":"en-US"},"organizationProfileLanguage":"en"}`
	req, _ := http.NewRequest("POST", sb.URL+"/v1/sandboxIndirectReseller", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sb.Token)
	req.Header.Set("MS-RequestId", uuid.NewString())
	req.Header.Set("MS-CorrelationId", uuid.NewString())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func countResellers(t *testing.T, sb *sandboxtest.Sandbox) int {
	t.Helper()
	req, _ := http.NewRequest("GET", sb.URL+"/v1/relationships", nil)
	req.Header.Set("Authorization", "Bearer "+sb.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Count(string(b), `"relationshipType"`)
}

func TestParallelSandboxesAreIsolated(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t)
			// The same domain prefix in every sandbox: no conflict, they share nothing.
			for j := range i + 1 {
				if got := createReseller(t, sb, fmt.Sprintf("parallel%d", j)); got != http.StatusCreated {
					t.Fatalf("create: %d", got)
				}
			}
			if n := countResellers(t, sb); n != i+1 {
				t.Errorf("sandbox %d sees %d resellers", i, n)
			}
		})
	}
}

func TestHelpersDriveTheControlAPI(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithSeed(7))
	if sb.Token != "mocksandbox-token" || sb.AccountID != "c0ffee00-0000-4000-8000-000000000001" {
		t.Fatalf("token %q account %q", sb.Token, sb.AccountID)
	}
	createReseller(t, sb, "before")
	if err := sb.Snapshot("one"); err != nil {
		t.Fatal(err)
	}
	createReseller(t, sb, "after")
	if err := sb.Restore("one"); err != nil || countResellers(t, sb) != 1 {
		t.Fatalf("restore: %v, %d resellers", err, countResellers(t, sb))
	}
	if err := sb.Restore("missing"); err == nil {
		t.Error("restoring an unknown snapshot succeeded")
	}
	if _, err := sb.Fault(sandboxtest.Fault{Method: "POST", Path: "/v1/sandboxIndirectReseller", Status: 503}); err != nil {
		t.Fatal(err)
	}
	if got := createReseller(t, sb, "faulted"); got != 503 {
		t.Errorf("faulted create: %d", got)
	}
	reqs, err := sb.Requests(url.Values{"status": {"503"}})
	if err != nil || len(reqs) != 1 || reqs[0].Fault != "status 503" {
		t.Fatalf("journal: %+v, %v", reqs, err)
	}
	if err := sb.Reset(); err != nil || countResellers(t, sb) != 0 {
		t.Fatalf("reset: %v, %d resellers", err, countResellers(t, sb))
	}
}

func TestFixturesOption(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithFixtures("../../fixtures/examples/two-accounts.json"), sandboxtest.WithStrictAuth())
	if sb.Token == "" || countResellers(t, sb) != 2 {
		t.Errorf("fixture sandbox: token %q, %d resellers", sb.Token, countResellers(t, sb))
	}
}
