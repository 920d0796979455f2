package api

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// explorerFS holds the Scalar bundle that `make explorer` fetches from npm into explorer/dist
// (an ignored folder). A build without it serves a page that loads the bundle from a CDN.
//
//go:embed all:explorer
var explorerFS embed.FS

// ScalarVersion is the @scalar/api-reference version the Makefile fetches.
const ScalarVersion = "1.72.1"

// ExplorerEmbedded reports whether the Scalar bundle is inside the binary.
func ExplorerEmbedded() bool {
	_, err := fs.Stat(explorerFS, "explorer/dist/standalone.js")
	return err == nil
}

const explorerPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>BANA API explorer</title>
</head>
<body>
<script id="api-reference" data-url="{{SPEC}}" data-configuration='{"withDefaultFonts":false,"hideClientButton":false}'></script>
<script src="{{BUNDLE}}"></script>
</body>
</html>`

func (s *Server) mountDocs() {
	embedded := ExplorerEmbedded()
	bundle := "https://cdn.jsdelivr.net/npm/@scalar/api-reference@" + ScalarVersion + "/dist/browser/standalone.js"
	if embedded {
		bundle = s.opts.BasePath + "/doc/explorer/standalone.js"
	}
	page := strings.NewReplacer("{{SPEC}}", s.opts.BasePath+"/doc/openapi.json", "{{BUNDLE}}", bundle).Replace(explorerPage)
	servePage := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}
	for _, prefix := range uniq("", s.opts.BasePath) {
		s.Mux.HandleFunc("GET "+prefix+"/doc/explorer", servePage)
		if embedded {
			s.Mux.HandleFunc("GET "+prefix+"/doc/explorer/standalone.js", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", "public, max-age=86400")
				http.ServeFileFS(w, r, explorerFS, "explorer/dist/standalone.js")
			})
		}
	}
	if s.opts.BasePath != "" && s.opts.BasePath != "/" {
		s.Mux.HandleFunc("GET /doc/openapi.json", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, s.opts.BasePath+"/doc/openapi.json", http.StatusTemporaryRedirect)
		})
	}
}
