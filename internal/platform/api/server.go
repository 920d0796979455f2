// Package api is BANA's HTTP layer on huma v2: the server and its middleware (request ids, access
// logs, CORS, panic recovery, body limits), problem+json errors, /health and /ready, the OpenAPI
// document and the Scalar explorer, operations that declare who may call them, and the CRUD route
// generator (the document's ControllerFactory.defineCrudController).
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// Check is one dependency /ready probes.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Options configure a Server.
type Options struct {
	Title        string
	Version      string
	BasePath     string // e.g. "/api"
	CORSOrigins  []string
	MaxBodyBytes int64
	Logger       *slog.Logger
	Auth         *auth.Authenticator
}

// Server is the HTTP API.
type Server struct {
	API     huma.API
	Mux     *http.ServeMux
	Auth    *auth.Authenticator
	log     *slog.Logger
	opts    Options
	checks  []Check
	handler http.Handler
}

// New builds the server. Modules then register their operations on it.
func New(o Options) *Server {
	badInputIs400()
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig(o.Title, o.Version)
	cfg.OpenAPIPath = "/doc/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/doc/schemas"
	// No $schema links in bodies: behind a prefix and proxies they point at the wrong host.
	cfg.CreateHooks = nil
	cfg.Info.Description = "BANA point-of-sale backend. Authenticate with `Authorization: Bearer <jwt>` " +
		"(from POST /auth/sign-in) or HTTP Basic. Lists take `?filter=` in the IGNIS filter language. " +
		"Errors are RFC 9457 problem details."
	cfg.Servers = []*huma.Server{{URL: o.BasePath}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
		"basic":  {Type: "http", Scheme: "basic"},
	}
	// OpenAPI 3.1 is huma's default; ids are strings on the wire.
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[id.ID](), reflect.TypeFor[string]())
	a := humago.NewWithPrefix(mux, o.BasePath, cfg)
	s := &Server{API: a, Mux: mux, Auth: o.Auth, log: o.Logger, opts: o}
	s.mountDocs()
	return s
}

// AddCheck adds a dependency to /ready.
func (s *Server) AddCheck(c Check) { s.checks = append(s.checks, c) }

// Handler returns the whole HTTP handler with its middleware. Register every operation before
// the first call; later calls return the same handler.
func (s *Server) Handler() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	health := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	}
	ready := func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusOK
		res := map[string]string{}
		for _, c := range s.checks {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			err := c.Ping(ctx)
			cancel()
			if err != nil {
				status = http.StatusServiceUnavailable
				res[c.Name] = "down: " + err.Error()
				continue
			}
			res[c.Name] = "ok"
		}
		state := "ready"
		if status != http.StatusOK {
			state = "unavailable"
		}
		writeJSON(w, status, map[string]any{"status": state, "checks": res})
	}
	for _, prefix := range uniq("", s.opts.BasePath) {
		s.Mux.HandleFunc("GET "+prefix+"/health", health)
		s.Mux.HandleFunc("GET "+prefix+"/ready", ready)
	}
	var h http.Handler = s.Mux
	h = s.limitBody(h)
	h = s.cors(h)
	h = s.recover(h)
	h = s.accessLog(h)
	s.handler = h
	return h
}

func uniq(a, b string) []string {
	if a == b || b == "/" {
		return []string{a}
	}
	return []string{a, b}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type requestIDKey struct{}

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streaming responses through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			rid = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", rid)
		ctx := context.WithValue(r.Context(), requestIDKey{}, rid)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(ctx))
		if r.URL.Path == "/health" || strings.HasSuffix(r.URL.Path, "/health") {
			return
		}
		lvl := slog.LevelInfo
		if sw.status >= 500 {
			lvl = slog.LevelError
		}
		s.log.LogAttrs(ctx, lvl, "http", slog.String("request_id", rid), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Duration("duration", time.Since(start)), slog.String("remote", r.RemoteAddr))
	})
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", RequestID(r.Context()), "panic", v, "stack", string(debug.Stack()))
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusInternalServerError)
				_ = json.NewEncoder(w).Encode(map[string]any{"status": 500, "title": "Internal Server Error",
					"detail": "unexpected error; request id " + RequestID(r.Context())})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) cors(next http.Handler) http.Handler {
	anyOrigin := slices.Contains(s.opts.CORSOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (anyOrigin || slices.Contains(s.opts.CORSOrigins, origin)) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "X-Request-Id, Idempotency-Replayed")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, X-Request-Id")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	limit := s.opts.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limit > 0 && r.ContentLength > limit {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_ = json.NewEncoder(w).Encode(map[string]any{"status": 413, "title": "Request Entity Too Large",
				"detail": "request body is larger than " + strconv.FormatInt(limit, 10) + " bytes"})
			return
		}
		if limit > 0 && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
