package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The hand-written baseline of CONVENTIONS.md: the measured list written directly on net/http
// and pgx, with no framework, doing the same work as BANA (verify the HS256 token and the
// caller's permission, read the filter JSON, run the SQL BANA runs, redact SECRET values, write
// the same JSON). It is the ceiling for Go on that work on this machine. It is this same
// program, started again with these variables set.
const (
	baselineAddrEnv   = "BANA_BENCH_BASELINE_ADDR"
	baselineDSNEnv    = "BANA_BENCH_BASELINE_DSN"
	baselineSecretEnv = "BANA_BENCH_BASELINE_JWT_SECRET"
	baselinePprofEnv  = "BANA_BENCH_BASELINE_PPROF" // non-empty: mount /debug/pprof/
)

// baselineSQL is the statement BANA's query layer builds for the measured filter on
// PostgreSQL: the tenant scope, the soft-delete condition, then the compiled where (fields in
// name order), the order with its id tie-break, and the limit.
const baselineSQL = `SELECT "id", "organizer_id", "merchant_id", "code", "group", "description", "data_type", "value", ` +
	`"created_at", "updated_at", "deleted_at" FROM configurations WHERE "deleted_at" IS NULL AND "organizer_id" = $1 ` +
	`AND ("code" LIKE $2 ESCAPE '\' AND "organizer_id" = $3) ORDER BY "code" ASC, "id" DESC LIMIT `

// runBaseline starts the baseline on the database BANA was measured on and measures the list.
func runBaseline(ctx context.Context, o *options, f *fixture, dbURL string) (*targetResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bana-bench-baseline-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		baselineAddrEnv:   "127.0.0.1:" + strconv.Itoa(port),
		baselineDSNEnv:    dbURL,
		baselineSecretEnv: f.JWTSecret,
	}
	var prof *profiler
	if o.CPUProfile != "" {
		env[baselinePprofEnv] = "1"
	}
	logf("PostgreSQL: starting the Go baseline (net/http + pgx)")
	srv, err := startServer(self, nil, dir, env, port)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	client := newClient()
	defer client.CloseIdleConnections()
	if err := srv.WaitReady(ctx, client, "/ready", 30*time.Second); err != nil {
		return nil, err
	}
	res := &targetResult{Database: "PostgreSQL", Name: "Go baseline: same list on net/http + pgx", Kind: "baseline"}
	if res.BodyBytes, err = f.verify(ctx, client, srv.Root, "the Go baseline"); err != nil {
		return nil, err
	}
	m, err := benchkit.ReadMemory(srv.Pid())
	if err != nil {
		return nil, err
	}
	res.RSSIdle = m.RSS
	logf("PostgreSQL: baseline list, %d workers, %s + %s", o.Concurrency, o.Warmup, o.Duration)
	if o.CPUProfile != "" {
		res.Profile = filepath.Join(o.CPUProfile, "postgresql-baseline.pprof")
		prof = newProfiler(srv.Root, res.Profile, o.Duration)
	}
	if err := measure(ctx, o, srv, f.listRequests(), prof, res); err != nil {
		return nil, err
	}
	if m, err := benchkit.ReadMemory(srv.Pid()); err == nil {
		res.RSSAfter, res.RSSPeak = m.RSS, m.Peak
	}
	if err := srv.Stop(); err != nil && ctx.Err() == nil {
		return nil, err
	}
	return res, ctx.Err()
}

// serveBaseline is the baseline server's main.
func serveBaseline(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	secret := os.Getenv(baselineSecretEnv)
	if len(secret) < 16 {
		return errors.New(baselineSecretEnv + " is not set")
	}
	cfg, err := pgxpool.ParseConfig(os.Getenv(baselineDSNEnv))
	if err != nil {
		return err
	}
	cfg.MaxConns = 20 // BANA's default APP_ENV_POSTGRES_MAX_CONNS
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	b := &baseline{pool: pool, secret: []byte(secret)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		if err := pool.Ping(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
	mux.HandleFunc("GET /api/configurations", b.list)
	if os.Getenv(baselinePprofEnv) != "" {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

type baseline struct {
	pool   *pgxpool.Pool
	secret []byte
}

type baselineClaims struct {
	jwt.RegisteredClaims
	Roles []int    `json:"roles"`
	Perms []string `json:"perms,omitempty"`
	Org   string   `json:"org,omitempty"`
}

type baselineFilter struct {
	Where struct {
		OrganizerID string `json:"organizerId"`
		Code        struct {
			StartsWith string `json:"startsWith"`
		} `json:"code"`
	} `json:"where"`
	Order []string `json:"order"`
	Limit int      `json:"limit"`
}

type baselineRow struct {
	ID          int64           `json:"id,string"`
	OrganizerID int64           `json:"organizerId,string"`
	MerchantID  *int64          `json:"merchantId,omitempty,string"`
	Code        string          `json:"code"`
	Group       string          `json:"group,omitempty"`
	Description string          `json:"description,omitempty"`
	DataType    string          `json:"dataType"`
	Value       json.RawMessage `json:"value"`
	Sealed      bool            `json:"sealed,omitempty"`
	CreatedAt   time.Time       `json:"createdAt"`
	UpdatedAt   time.Time       `json:"updatedAt"`
	DeletedAt   *time.Time      `json:"deletedAt,omitempty"`
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "title": http.StatusText(status), "detail": detail})
}

// list serves exactly the measured request shape.
func (b *baseline) list(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		problem(w, http.StatusUnauthorized, "no credentials")
		return
	}
	var c baselineClaims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return b.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("bana"), jwt.WithExpirationRequired(),
		jwt.WithLeeway(5*time.Second))
	if err != nil {
		problem(w, http.StatusUnauthorized, "invalid or expired credentials")
		return
	}
	org, err := strconv.ParseInt(c.Org, 10, 64)
	if err != nil || !hasOwnerRead(c) {
		problem(w, http.StatusForbidden, "not allowed")
		return
	}
	var f baselineFilter
	if err := json.Unmarshal([]byte(r.URL.Query().Get("filter")), &f); err != nil {
		problem(w, http.StatusBadRequest, "bad filter: "+err.Error())
		return
	}
	wantOrg, err := strconv.ParseInt(f.Where.OrganizerID, 10, 64)
	if err != nil || len(f.Order) != 1 || f.Order[0] != "code ASC" || f.Limit < 1 || f.Limit > 1000 {
		problem(w, http.StatusBadRequest, "the baseline serves only the benchmark's filter")
		return
	}
	pattern := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Where.Code.StartsWith) + "%"
	rows, err := b.pool.Query(r.Context(), baselineSQL+strconv.Itoa(f.Limit), org, pattern, wantOrg)
	if err != nil {
		problem(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer rows.Close()
	out := make([]baselineRow, 0, f.Limit)
	for rows.Next() {
		var x baselineRow
		var value []byte
		if err := rows.Scan(&x.ID, &x.OrganizerID, &x.MerchantID, &x.Code, &x.Group, &x.Description, &x.DataType,
			&value, &x.CreatedAt, &x.UpdatedAt, &x.DeletedAt); err != nil {
			problem(w, http.StatusInternalServerError, err.Error())
			return
		}
		x.Value = value
		if x.DataType == "SECRET" {
			x.Value, x.Sealed = json.RawMessage("null"), true
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		problem(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// hasOwnerRead is BANA's rule for this route as the benchmark calls it: an organizer owner
// (ORGANIZER_OWNER, 899) holding configuration.read, configuration.* or *. The baseline serves
// no other caller.
func hasOwnerRead(c baselineClaims) bool {
	owner := false
	for _, r := range c.Roles {
		owner = owner || r == 899
	}
	if !owner {
		return false
	}
	for _, p := range c.Perms {
		if p == "*" || p == "configuration.*" || p == "configuration.read" {
			return true
		}
	}
	return false
}
