package server_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestTheInspectorPageIsServedWithoutTheAdminToken(t *testing.T) {
	m := newMock(t, adminToken("s3cret"))
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/_mock/ui", "text/html; charset=utf-8", `<script src="/_mock/ui/app.js"`},
		{"/_mock/ui/", "text/html; charset=utf-8", "mocksandbox inspector"},
		{"/_mock/UI", "text/html; charset=utf-8", "mocksandbox inspector"},
		{"/_mock/ui/app.js", "text/javascript; charset=utf-8", `"/_mock/state"`},
		{"/_mock/ui/style.css", "text/css; charset=utf-8", ".account-card"},
	} {
		r := m.do(call{method: "GET", path: tc.path})
		if r.status != http.StatusOK {
			t.Fatalf("GET %s without a token: %d %s", tc.path, r.status, r.body)
		}
		if got := r.header.Get("Content-Type"); got != tc.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.contentType)
		}
		if !strings.Contains(string(r.body), tc.contains) {
			t.Errorf("GET %s: the body does not contain %q", tc.path, tc.contains)
		}
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "connect-src 'self'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", tc.path, csp, want)
			}
		}
	}
	// The data the page shows stays behind the token.
	wantError(t, m.do(call{method: "GET", path: "/_mock/state"}), http.StatusUnauthorized, 800001, "--admin-token")
	if r := m.do(call{method: "GET", path: "/_mock/state", token: "s3cret"}); r.status != http.StatusOK {
		t.Errorf("GET /_mock/state with the token: %d", r.status)
	}
}

func TestTheInspectorServesOnlyItsOwnFiles(t *testing.T) {
	m := newMock(t)
	for _, p := range []string{"/_mock/ui/nope.js", "/_mock/ui/index.htm", "/_mock/ui/..%2Fui.go", "/_mock/ui/%2E%2E%2Fui.go", "/_mock/ui/ui.go"} {
		wantError(t, m.do(call{method: "GET", path: p}), http.StatusNotFound, 1000)
	}
	r := m.do(call{method: "POST", path: "/_mock/ui"})
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
		t.Errorf("POST /_mock/ui: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}

// The page loads nothing from elsewhere: no absolute or protocol-relative
// URL in its files, and every local URL is the mock's own.
func TestTheInspectorFilesNameNoOtherOrigin(t *testing.T) {
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(\s*['"]?(https?:|//)`)
	local := regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	files, err := filepath.Glob("ui/*")
	if err != nil || len(files) != 3 {
		t.Fatalf("ui files: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := external.Find(b); loc != nil {
			t.Errorf("%s names another origin: %q", f, loc)
		}
		for _, m := range local.FindAllSubmatch(b, -1) {
			if u := string(m[1]); !strings.HasPrefix(u, "/_mock/ui/") && u != "data:," && !strings.HasPrefix(u, "#") {
				t.Errorf("%s loads %q, not one of the page's own files", f, u)
			}
		}
	}
}
