package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A small W3C WebDriver client, enough to drive Debian's Chromium through
// chromedriver over plain HTTP: no Go dependency, no browser download.

// chromiumFlags are the flags the browser test starts Chromium with: no
// sandbox (CI runs as root), and none of Chromium's own background traffic,
// which this machine's closed network refuses.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
	"--window-size=1280,900", "--hide-scrollbars", "--force-color-profile=srgb",
}

// lookChromium finds chromium and chromedriver, or says what to install.
func lookChromium() (browser, driver, missing string) {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	driver, _ = exec.LookPath("chromedriver")
	if browser == "" || driver == "" {
		missing = "chromium and chromedriver are not installed (on Debian: apt-get install -y chromium chromium-driver); .ci/run installs them"
	}
	return browser, driver, missing
}

// browser is one chromedriver session.
type browser struct {
	t       *testing.T
	session string // http://127.0.0.1:PORT/session/ID
	client  *http.Client
}

// startBrowser starts chromedriver and a headless Chromium with a new,
// empty profile; both end when the test does.
func startBrowser(t *testing.T, chromium, chromedriver string) *browser {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	dir := t.TempDir()
	logPath := filepath.Join(dir, "chromedriver.log")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, chromedriver, "--port="+strconv.Itoa(port), "--log-path="+logPath)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting chromedriver: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				t.Logf("chromedriver log (last 4 KiB):\n%s", tail(b, 4<<10))
			}
		}
	})

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	b := &browser{t: t, client: &http.Client{Timeout: 60 * time.Second}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status struct {
			Ready bool `json:"ready"`
		}
		if err := b.call(http.MethodGet, base+"/status", nil, &status); err == nil && status.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not become ready on port %d", port)
		}
		time.Sleep(50 * time.Millisecond)
	}

	args := append([]string{"--user-data-dir=" + filepath.Join(dir, "profile")}, chromiumFlags...)
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": args},
		"goog:loggingPrefs":  map[string]string{"performance": "ALL", "browser": "ALL"},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(http.MethodPost, base+"/session", caps, &created); err != nil {
		t.Fatalf("starting Chromium %s through chromedriver: %v", chromium, err)
	}
	b.session = base + "/session/" + created.SessionID
	t.Cleanup(func() { b.call(http.MethodDelete, b.session, nil, nil) })
	return b
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// call sends one WebDriver command and decodes its "value" into out.
func (b *browser) call(method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s: %s", e.Error, firstLine(e.Message))
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// do runs a session command and fails the test if it fails.
func (b *browser) do(method, path string, body, out any) {
	b.t.Helper()
	if err := b.call(method, b.session+path, body, out); err != nil {
		b.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.do(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

// script runs JavaScript in the page (arguments as "arguments[i]") and
// decodes its return value into out.
func (b *browser) script(out any, js string, args ...any) {
	b.t.Helper()
	if args == nil {
		args = []any{}
	}
	b.do(http.MethodPost, "/execute/sync", map[string]any{"script": js, "args": args}, out)
}

const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// find returns the element for a CSS selector, failing if there is none.
func (b *browser) find(css string) string {
	b.t.Helper()
	var el map[string]string
	if err := b.call(http.MethodPost, b.session+"/element", map[string]string{"using": "css selector", "value": css}, &el); err != nil {
		b.t.Fatalf("no element %q on the page: %v", css, err)
	}
	return el[elementKey]
}

// act runs an element command on css, finding the element again if the
// page re-rendered it in between.
func (b *browser) act(css, command string, body any) {
	b.t.Helper()
	var err error
	for range 3 {
		if err = b.call(http.MethodPost, b.session+"/element/"+b.find(css)+command, body, nil); err == nil ||
			!strings.HasPrefix(err.Error(), "stale element reference") {
			break
		}
	}
	if err != nil {
		b.t.Fatalf("webdriver %s on %q: %v", command, css, err)
	}
}

// click clicks an element the way a user would (scrolled into view,
// through whatever covers it).
func (b *browser) click(css string) { b.t.Helper(); b.act(css, "/click", map[string]any{}) }

// typeInto focuses an element and types text (WebDriver key codes allowed).
func (b *browser) typeInto(css, text string) {
	b.t.Helper()
	b.act(css, "/value", map[string]string{"text": text})
}

// clear empties an input; the page sees a change event.
func (b *browser) clear(css string) { b.t.Helper(); b.act(css, "/clear", map[string]any{}) }

// text is the rendered text of the first element matching css ("" if none).
func (b *browser) text(css string) string {
	b.t.Helper()
	var s string
	b.script(&s, `const e = document.querySelector(arguments[0]); return e ? e.innerText : "";`, css)
	return s
}

// waitFor polls check until it reports true, or fails the test after 20
// seconds (a loaded CI machine) with what it saw last.
func (b *browser) waitFor(what string, check func() (bool, string)) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, seen := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited 20s for %s; last saw: %s", what, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(css, want string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%q to show %q", css, want), func() (bool, string) {
		got := b.text(css)
		return strings.Contains(got, want), fmt.Sprintf("%q", got)
	})
}

// viewport makes the page width × height CSS pixels, as a phone or a
// desktop window would.
func (b *browser) viewport(width, height int) {
	b.t.Helper()
	b.do(http.MethodPost, "/goog/cdp/execute", map[string]any{"cmd": "Emulation.setDeviceMetricsOverride", "params": map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}}, nil)
	b.waitFor(fmt.Sprintf("a viewport %d px wide", width), func() (bool, string) {
		var w int
		b.script(&w, `return window.innerWidth;`)
		return w == width, strconv.Itoa(w)
	})
}

// screenshot saves the viewport as a PNG and returns its path.
func (b *browser) screenshot(path string) string {
	b.t.Helper()
	var data string
	b.do(http.MethodGet, "/screenshot", nil, &data)
	png, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return path
}

type logEntry struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// logs drains one of Chromium's logs: "performance" (DevTools events) or
// "browser" (the console).
func (b *browser) logs(kind string) []logEntry {
	b.t.Helper()
	var entries []logEntry
	b.do(http.MethodPost, "/se/log", map[string]string{"type": kind}, &entries)
	return entries
}
