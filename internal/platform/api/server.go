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
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/requestid"
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
	// ResponseShape is how CRUD routes answer by default (ShapeBANA when empty); see ignis.go.
	ResponseShape Shape
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
	ops     []Operation // what Register added, for Operations

	described map[string]described // by operation id, for the served document (describe.go)
	docOnce   sync.Once
	doc       []byte
	docErr    error
	// streams holds the patterns of the operations that read their own body as a stream, with
	// a limit above the server's (see Register): limitBody gives them their own limit and
	// checkText leaves their body alone.
	streams *http.ServeMux
}

// New builds the server. Modules then register their operations on it.
func New(o Options) *Server {
	badInputIs400()
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig(o.Title, o.Version)
	// The document is served by serveDocs: a description built from huma's (describe.go).
	cfg.OpenAPIPath = ""
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
	// Readable component names (names.go) instead of huma's hints ("Add-order-itemsRequest").
	cfg.Components.Schemas = huma.NewMapRegistry(schemaPrefix, newSchemaNamer().Name)
	// OpenAPI 3.1 is huma's default; ids are strings on the wire.
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[id.ID](), reflect.TypeFor[string]())
	a := humago.NewWithPrefix(mux, o.BasePath, cfg)
	s := &Server{API: a, Mux: mux, Auth: o.Auth, log: o.Logger, opts: o, described: map[string]described{}, streams: http.NewServeMux()}
	s.serveDocs(strings.TrimSuffix(o.BasePath, "/"))
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
	h = s.checkText(h)
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

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string { return requestid.From(ctx) }

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

// ReadFrom lets a file be sent by the writer beneath (net/http's uses sendfile), counted.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{w}, r)
	}
	n, err := rf.ReadFrom(r)
	w.bytes += int(n)
	return n, err
}

// writerOnly hides a writer's ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

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
		ctx := requestid.With(r.Context(), rid)
		// Every handler sees the client's address, including the authentication of any route
		// (per-address limits on HTTP Basic).
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		ctx = auth.WithClientAddr(ctx, host)
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
		s.log.LogAttrs(ctx, lvl, "http", slog.String("method", r.Method),
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
				s.log.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
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
			h.Set("Access-Control-Expose-Headers", "X-Request-Id, Idempotent-Replayed, Content-Range, X-Response-Count, X-Response-Format")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, X-Request-Id, X-Request-Count")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.opts.MaxBodyBytes
		if n, ok := s.streamLimit(r); ok {
			limit = n
		}
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

// streamBody is the body limit of an operation that reads its body as a stream.
type streamBody int64

func (streamBody) ServeHTTP(http.ResponseWriter, *http.Request) {}

// streamLimit returns the body limit of the streaming operation r is for, if it is for one.
func (s *Server) streamLimit(r *http.Request) (int64, bool) {
	h, pattern := s.streams.Handler(r)
	if pattern == "" {
		return 0, false
	}
	n, ok := h.(streamBody)
	return int64(n), ok
}

// BodyStream returns the request body of an operation registered with a MaxBodyBytes above the
// server's (an upload): an input struct gets it from huma.Context in its Resolve method and reads
// it as a stream, so that a large body never sits in memory. The operation's input has no Body
// field, so huma does not read it, and the server's limit and text check do not apply to it
// (the operation's MaxBodyBytes does). The server's read timeout is lifted for it: each read
// must instead arrive within idle of the one before, so a slow but live upload of any size
// finishes and a stalled one is cut.
func BodyStream(ctx huma.Context, idle time.Duration) io.Reader {
	return &idleReader{ctx: ctx, r: ctx.BodyReader(), idle: idle}
}

type idleReader struct {
	ctx  huma.Context
	r    io.Reader
	idle time.Duration
	last time.Time // when the deadline was last moved
}

func (r *idleReader) Read(p []byte) (int, error) {
	// Network deadlines are wall-clock by nature; moving one costs a syscall, so at most once
	// a second.
	if now := time.Now(); now.Sub(r.last) > time.Second {
		r.last = now
		_ = r.ctx.SetReadDeadline(now.Add(r.idle))
	}
	return r.r.Read(p)
}
