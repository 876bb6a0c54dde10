package server

import (
	"embed"
	"net/http"
	"path"
)

// The inspector page (SPEC §8): plain HTML, CSS and JavaScript embedded in
// the binary. The page and its files hold no data, so --admin-token never
// guards them; the page sends the token typed into it to the control API.
//
//go:embed ui/index.html ui/app.js ui/style.css
var uiFiles embed.FS

var uiContentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// uiPolicy lets the page load only its own files and call only its own
// origin, so it never reaches outside the mock.
const uiPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// uiPage is GET /_mock/ui.
func (s *Server) uiPage(w http.ResponseWriter, r *http.Request) { serveUIFile(w, r, "index.html") }

// uiFile is GET /_mock/ui/{file}.
func (s *Server) uiFile(w http.ResponseWriter, r *http.Request) {
	serveUIFile(w, r, pathParam(r, "file"))
}

func serveUIFile(w http.ResponseWriter, r *http.Request, name string) {
	ctype, known := uiContentTypes[path.Ext(name)]
	body, err := uiFiles.ReadFile("ui/" + name)
	if !known || err != nil {
		writeError(w, r, unknownName("inspector file", name))
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", uiPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
