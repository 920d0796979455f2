package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

// The hand-written baseline: the lookup on net/http with pgx (PostgreSQL) or database/sql
// (SQLite), doing what bana does for it (verify the HS256 token and the permission, check the
// device revocation list, build the same candidate codes, run the same SQL, write the same JSON)
// and nothing else. It is this program, started again with these variables set.
const (
	baselineAddrEnv    = "BANA_LOOKUP_BASELINE_ADDR"
	baselineDialectEnv = "BANA_LOOKUP_BASELINE_DIALECT"
	baselineDSNEnv     = "BANA_LOOKUP_BASELINE_DSN"
	baselineSecretEnv  = "BANA_LOOKUP_BASELINE_JWT_SECRET"
	baselinePprofEnv   = "BANA_LOOKUP_BASELINE_PPROF" // non-empty: serve /debug/pprof/profile
)

// The statements commerce runs (lookup.go and device.go), with ? placeholders.
const (
	revokedSQL = `SELECT status, deleted_at FROM devices WHERE token_id = ?`
	lookupSQL  = `SELECT i.code, i.type, p.id, p.organizer_id, p.merchant_id, p.category_id, p.name, p.description, p.status, p.position, p.created_at, p.updated_at, ` +
		`v.id, v.organizer_id, v.merchant_id, v.product_id, v.name, v.sku, v.options, v.price, v.currency, v.tax_rate, v.status, v.track_stock, v.position, v.created_at, v.updated_at
	FROM product_identifiers i
	JOIN products p ON p.id = i.product_id AND p.deleted_at IS NULL
	JOIN product_variants v ON v.product_id = i.product_id AND v.deleted_at IS NULL AND (i.variant_id IS NULL OR v.id = i.variant_id)
	WHERE i.merchant_id = ? AND i.deleted_at IS NULL AND i.organizer_id = ?`
	configSQL = `SELECT barcode_config FROM merchants WHERE id = ? AND organizer_id = ? AND deleted_at IS NULL`
)

type rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}

type baseline struct {
	pg     *pgxpool.Pool
	lite   *sql.DB
	secret []byte
	// SQLite compiles every query again unless it is prepared; pgx caches prepared statements
	// per connection by itself. bana's db package keeps the same cache.
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (b *baseline) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.stmts[q]; ok {
		return s, nil
	}
	s, err := b.lite.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	b.stmts[q] = s
	return s, nil
}

func (b *baseline) sql(q string) string {
	if b.pg == nil {
		return q
	}
	var s strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			s.WriteString("$" + strconv.Itoa(n))
			continue
		}
		s.WriteRune(r)
	}
	return s.String()
}

func (b *baseline) query(ctx context.Context, q string, args ...any) (rows, func(), error) {
	if b.pg != nil {
		r, err := b.pg.Query(ctx, b.sql(q), args...)
		if err != nil {
			return nil, nil, err
		}
		return r, r.Close, nil
	}
	st, err := b.stmt(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	r, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, nil, err
	}
	return r, func() { r.Close() }, nil
}

func serveBaseline() error {
	b := &baseline{secret: []byte(os.Getenv(baselineSecretEnv)), stmts: map[string]*sql.Stmt{}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dsn := os.Getenv(baselineDSNEnv)
	if os.Getenv(baselineDialectEnv) == "postgres" {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return err
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = "public"
		cfg.MaxConns = 20
		if b.pg, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return err
		}
		defer b.pg.Close()
	} else {
		var err error
		b.lite, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_time_format=sqlite")
		if err != nil {
			return err
		}
		b.lite.SetMaxOpenConns(4)
		b.lite.SetMaxIdleConns(4)
		defer b.lite.Close()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /api/products/lookup", b.lookup)
	if os.Getenv(baselinePprofEnv) != "" {
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	ln, err := net.Listen("tcp", os.Getenv(baselineAddrEnv))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "detail": msg})
}

func (b *baseline) lookup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		fail(w, 401, "authentication required")
		return
	}
	var c auth.Claims
	if _, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return b.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(auth.Issuer), jwt.WithExpirationRequired()); err != nil {
		fail(w, 401, "invalid or expired credentials")
		return
	}
	allowed := false
	for _, p := range c.Permissions {
		allowed = allowed || p == "*" || p == "catalog.read" || p == "catalog.*"
	}
	org, err := id.Parse(c.OrganizerID)
	if !allowed || err != nil {
		fail(w, 403, "requires the permission catalog.read")
		return
	}
	if revoked, err := b.revoked(ctx, c.ID); err != nil || revoked {
		fail(w, 401, "invalid or expired credentials")
		return
	}
	mid, err := id.Parse(r.URL.Query().Get("merchantId"))
	if err != nil {
		fail(w, 400, "merchantId must be a decimal id")
		return
	}
	raw := strings.TrimSpace(r.URL.Query().Get("code"))
	if raw == "" || len(raw) > commerce.MaxCodeLength {
		fail(w, 400, "bad code")
		return
	}
	bc, perr := commerce.ParseBarcode(raw, nil)
	cands := []string{raw}
	add := func(s string) {
		for _, x := range cands {
			if x == s {
				return
			}
		}
		cands = append(cands, s)
	}
	if perr == nil && bc.Code != raw {
		add(bc.Code)
	}
	if perr == nil && bc.Kind == commerce.Text {
		add(strings.ToUpper(raw))
		if plu, err := commerce.NormalizeIdentifier(commerce.IDPLU, raw); err == nil {
			add(plu)
		}
	}
	res, err := b.find(ctx, mid, org, cands, false)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	if res != nil {
		res.Kind = bc.Kind
	} else if perr != nil {
		fail(w, 400, "bad check digit")
		return
	} else if bc.Kind == commerce.EAN13 && bc.Code[0] == '2' {
		var cfg *commerce.BarcodeConfig
		var rawCfg []byte
		rs, done, err := b.query(ctx, configSQL, int64(mid), int64(org))
		if err != nil {
			fail(w, 500, err.Error())
			return
		}
		if rs.Next() {
			err = rs.Scan(&rawCfg)
		}
		done()
		if err != nil {
			fail(w, 500, err.Error())
			return
		}
		if len(rawCfg) > 0 {
			_ = json.Unmarshal(rawCfg, &cfg)
		}
		if wb, err := commerce.ParseBarcode(bc.Code, cfg); err == nil && wb.Weighted != nil {
			plu, _ := commerce.NormalizeIdentifier(commerce.IDPLU, wb.Weighted.ItemCode)
			if res, err = b.find(ctx, mid, org, []string{plu}, true); err != nil {
				fail(w, 500, err.Error())
				return
			}
			if res != nil {
				res.Kind = commerce.Weighted
				lw := &commerce.ProductLookupWeighted{WeightedItem: *wb.Weighted}
				if lw.Value == commerce.ValueWeight {
					lw.Amount = (res.Variant.Price*lw.Grams + 500) / 1000
				} else {
					lw.Amount = lw.PriceVND
				}
				res.Weighted = lw
			}
		}
	}
	if res == nil {
		fail(w, 404, "no product of the merchant has the code "+raw)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}

func (b *baseline) revoked(ctx context.Context, jti string) (bool, error) {
	rs, done, err := b.query(ctx, revokedSQL, jti)
	if err != nil {
		return false, err
	}
	defer done()
	if !rs.Next() {
		return false, rs.Err()
	}
	var status string
	var deleted anyTime
	if err := rs.Scan(&status, &deleted); err != nil {
		return false, err
	}
	return status == "REVOKED" || deleted.set, nil
}

func (b *baseline) find(ctx context.Context, mid, org id.ID, cands []string, pluOnly bool) (*commerce.ProductLookup, error) {
	q := lookupSQL
	if pluOnly {
		q += " AND i.type = 'PLU'"
	}
	q += " AND i.code IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(cands)), ", ") + ") ORDER BY v.position, v.id LIMIT 100"
	args := []any{int64(mid), int64(org)}
	for _, c := range cands {
		args = append(args, c)
	}
	rs, done, err := b.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer done()
	var best *commerce.ProductLookup
	bestRank := len(cands)
	for rs.Next() {
		r := &commerce.ProductLookup{}
		p, v := &r.Product, &r.Variant
		var cat sql.NullInt64
		var opts []byte
		var ts [4]anyTime
		var pid, porg, pmer, vid, vorg, vmer, vprod int64
		var typ string
		if err := rs.Scan(&r.Code, &typ, &pid, &porg, &pmer, &cat, &p.Name, &p.Description, &p.Status, &p.Position, &ts[0], &ts[1],
			&vid, &vorg, &vmer, &vprod, &v.Name, &v.SKU, &opts, &v.Price, &v.Currency, &v.TaxRate, &v.Status, &v.TrackStock, &v.Position, &ts[2], &ts[3]); err != nil {
			return nil, err
		}
		rank := len(cands)
		for i, c := range cands {
			if c == r.Code {
				rank = i
				break
			}
		}
		if rank >= bestRank {
			continue
		}
		r.Type = commerce.IdentifierType(typ)
		p.ID, p.OrganizerID, p.MerchantID = id.ID(pid), id.ID(porg), id.ID(pmer)
		v.ID, v.OrganizerID, v.MerchantID, v.ProductID = id.ID(vid), id.ID(vorg), id.ID(vmer), id.ID(vprod)
		if cat.Valid {
			c := id.ID(cat.Int64)
			p.CategoryID = &c
		}
		if len(opts) > 0 && string(opts) != "null" {
			if err := json.Unmarshal(opts, &v.Options); err != nil {
				return nil, err
			}
		}
		p.CreatedAt, p.UpdatedAt, v.CreatedAt, v.UpdatedAt = ts[0].t, ts[1].t, ts[2].t, ts[3].t
		best, bestRank = r, rank
	}
	return best, rs.Err()
}

// anyTime scans a timestamp given as a time or as SQLite text.
type anyTime struct {
	t   time.Time
	set bool
}

func (a *anyTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case time.Time:
		a.t, a.set = v.UTC(), true
		return nil
	case string:
		return a.parse(v)
	case []byte:
		return a.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T as a time", src)
}

func (a *anyTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			a.t, a.set = t.UTC(), true
			return nil
		}
	}
	return fmt.Errorf("cannot read time %q", s)
}
