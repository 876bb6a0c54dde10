package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/mocksandbox/mocksandbox/server"
	"github.com/mocksandbox/mocksandbox/store"
)

func TestUnknownRoutesAnswer404AndWrongMethods405WithoutAuthentication(t *testing.T) {
	m := newMock(t)
	for _, path := range []string{"/v1/nothing", "/v1/sandboxIndirectReseller/a/b", "/", "/v2/customers"} {
		r := m.do(call{method: "GET", path: path})
		wantError(t, r, http.StatusNotFound, 1000, "README")
	}
	wantError(t, m.do(call{method: "GET", path: "/_mock/nothing"}), http.StatusNotFound, 1000)
	if src := m.do(call{method: "GET", path: "/_mock/nothing"}).json()["source"]; src != "mocksandbox" {
		t.Errorf("/_mock error source = %v", src)
	}
	cases := []struct{ method, path, allow string }{
		{"PUT", "/v1/relationships", "GET"},
		{"GET", "/v1/sandboxIndirectReseller", "POST"},
		{"PATCH", "/v1//SANDBOXINDIRECTRESELLER/abc/", "DELETE"},
		{"POST", "/_mock/health", "GET"},
	}
	for _, c := range cases {
		r := m.do(call{method: c.method, path: c.path})
		wantError(t, r, http.StatusMethodNotAllowed, 800002, c.method)
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow = %q, want %q", c.method, c.path, got, c.allow)
		}
	}
}

func TestPathsNormaliseBeforeRouting(t *testing.T) {
	m := newMock(t)
	for _, path := range []string{"/v1/relationships", "//v1//relationships", "/V1/Relationships/", "/v1/RELATIONSHIPS?relationship_type=IsIndirectResellerOf"} {
		if r := m.do(call{method: "GET", path: path, token: defaultToken}); r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	for _, path := range []string{"/_mock/health", "/_MOCK/Health/", "//_mock//ready"} {
		if r := m.do(call{method: "GET", path: path}); r.status != http.StatusOK {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
	// "." and ".." are ordinary segments, never resolved.
	wantError(t, m.do(call{method: "GET", path: "/v1/x/../relationships", token: defaultToken}), http.StatusNotFound, 1000)
}

func TestHealthAndReadiness(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := server.New(server.Config{Store: st, Logger: zerolog.New(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if code, body := get("/_mock/health"); code != 200 || body != `{"status":"ok"}` {
		t.Errorf("health: %d %s", code, body)
	}
	if code, _ := get("/_mock/ready"); code != http.StatusServiceUnavailable {
		t.Errorf("ready before MarkReady: %d", code)
	}
	srv.MarkReady()
	if code, body := get("/_mock/ready"); code != 200 || body != `{"status":"ready"}` {
		t.Errorf("ready: %d %s", code, body)
	}
}
