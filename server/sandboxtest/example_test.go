package sandboxtest_test

import (
	"fmt"
	"net/http"

	"github.com/mocksandbox/mocksandbox/server/sandboxtest"
)

// A sandbox outside a test: New and Close. In a test, use Start(t), which
// closes it when the test ends.
func Example() {
	sb, err := sandboxtest.New()
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	req, _ := http.NewRequest("GET", sb.URL+"/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf", nil)
	req.Header.Set("Authorization", "Bearer "+sb.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	// Output: 200 OK application/json; charset=utf-8
}
