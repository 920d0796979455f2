// Command inventory measures BANA's stock reservations: POST /api/inventory-reservations (one
// line, one unit) over loopback HTTP against the real server, on one hot variant and spread over
// 10,000 variants, on SQLite and PostgreSQL, next to pgbench TPC-B on the same PostgreSQL in the
// same run. It prints a Markdown report and writes it to -out.
//
//	go run ./bench/inventory [-duration 10s] [-clients 16] [-pg URL] [-sqlite=false] [-out bench/inventory/REPORT.md]
//
// pgbench runs right before and right after the PostgreSQL scenarios: on a shared machine the
// load drifts, and the two figures show by how much. Ratios are against their mean.
//
// The server runs in this process (the same app.New the binary runs); every database it uses is
// a scratch one, created for the run and dropped after.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/config"
	"github.com/jackc/pgx/v5"
)

type options struct {
	duration time.Duration
	clients  int
	variants int
	pgURL    string
	pgbench  string
	sqlite   bool
	out      string
}

type result struct {
	target, scenario string
	ok, refused, err int64
	elapsed          time.Duration
	lat              []time.Duration
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(math.Ceil(p*float64(len(r.lat))))-1)]
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase (at most 2m)")
	flag.IntVar(&o.clients, "clients", 16, "concurrent HTTP clients (as pgbench -c)")
	flag.IntVar(&o.variants, "variants", 10000, "variants of the spread scenario")
	flag.StringVar(&o.pgURL, "pg", envOr("BANA_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server URL (a user that may create databases); empty: SQLite only")
	flag.StringVar(&o.pgbench, "pgbench", "pgbench", "pgbench binary")
	flag.BoolVar(&o.sqlite, "sqlite", true, "run the SQLite scenarios too")
	flag.StringVar(&o.out, "out", "bench/inventory/REPORT.md", "report file; empty: stdout only")
	flag.Parse()
	o.duration = min(max(o.duration, time.Second), 2*time.Minute)
	o.clients = min(max(o.clients, 1), 256)
	o.variants = min(max(o.variants, 1), 100000)
	ctx := context.Background()

	var results []result
	if o.sqlite {
		rs, err := runTarget(ctx, o, "sqlite")
		if err != nil {
			log.Fatalf("sqlite: %v", err)
		}
		results = append(results, rs...)
	}
	var tps []float64
	var pgbenchErr error
	if o.pgURL != "" {
		pb, err := newPgbench(ctx, o)
		if err != nil {
			pgbenchErr = err
			log.Printf("pgbench: %v", err)
		}
		measure := func() {
			if pb == nil || pgbenchErr != nil {
				return
			}
			t, err := pb.run(ctx)
			if err != nil {
				pgbenchErr = err
				log.Printf("pgbench: %v", err)
				return
			}
			tps = append(tps, t)
		}
		measure()
		rs, err := runTarget(ctx, o, "postgres")
		if err != nil {
			if pb != nil {
				pb.drop()
			}
			log.Fatalf("postgres: %v", err)
		}
		results = append(results, rs...)
		measure()
		if pb != nil {
			pb.drop()
		}
	}
	report := render(o, results, tps, pgbenchErr)
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func scratchName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// scratchDB creates a database on the server of o.pgURL and returns its URL and a dropper.
func scratchDB(ctx context.Context, adminURL, prefix string) (string, string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", "", nil, err
	}
	defer conn.Close(ctx)
	name := scratchName(prefix)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		drop()
		return "", "", nil, err
	}
	u.Path = "/" + name
	return u.String(), name, drop, nil
}

func runTarget(ctx context.Context, o options, target string) ([]result, error) {
	dir, err := os.MkdirTemp("", "bana-bench-inventory-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	vars := map[string]string{
		"APP_ENV_NODE_ENV":           "test",
		"APP_ENV_DATA_DIR":           dir,
		"APP_ENV_APPLICATION_SECRET": "bench-application-secret-0123456789abcdef",
		"APP_ENV_JWT_SECRET":         "bench-jwt-secret-0123456789abcdef0123456789",
		"APP_ENV_LOG_LEVEL":          "error",
		"APP_ENV_SERVER_HOST":        "127.0.0.1",
	}
	if target == "postgres" {
		dsn, _, drop, err := scratchDB(ctx, o.pgURL, "bana_bench_inv_")
		if err != nil {
			return nil, err
		}
		defer drop()
		vars["APP_ENV_POSTGRES_URL"] = dsn
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	m, err := a.Migrator()
	if err != nil {
		return nil, err
	}
	if _, err := m.Up(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(runCtx, ln) }()
	defer func() {
		stop()
		<-served
	}()
	base := "http://" + ln.Addr().String() + cfg.Server.BasePath
	token, _, err := a.Tokens.Issue(&auth.Principal{UserID: 7, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"inventory.*"}}, 0)
	if err != nil {
		return nil, err
	}
	c := &client{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: o.clients * 2, MaxIdleConnsPerHost: o.clients * 2}}}

	// Seed: a location, one hot variant with plenty of stock, and o.variants variants through
	// stock counts (which create the stock items and their tracking rows and layers).
	log.Printf("%s: seeding %d variants", target, o.variants+1)
	var loc map[string]any
	if err := c.call("POST", "/inventory-locations", map[string]any{"merchantId": "1", "code": "MAIN", "name": "Main store"}, &loc); err != nil {
		return nil, err
	}
	const hot = 1
	if err := c.call("POST", "/inventory-counts", map[string]any{"merchantId": "1", "lines": []map[string]any{{"variantId": strconv.Itoa(hot), "counted": 1_000_000_000}}}, nil); err != nil {
		return nil, err
	}
	for start := 0; start < o.variants; start += 1000 {
		var lines []map[string]any
		for v := start; v < min(start+1000, o.variants); v++ {
			lines = append(lines, map[string]any{"variantId": strconv.Itoa(1000 + v), "counted": 1_000_000})
		}
		if err := c.call("POST", "/inventory-counts", map[string]any{"merchantId": "1", "lines": lines}, nil); err != nil {
			return nil, err
		}
	}
	var out []result
	for _, sc := range []string{"hot", "spread"} {
		pick := func(r *mrand.Rand) int { return hot }
		if sc == "spread" {
			pick = func(r *mrand.Rand) int { return 1000 + r.IntN(o.variants) }
		}
		log.Printf("%s: %s variant(s), %d clients, %s", target, sc, o.clients, o.duration)
		out = append(out, load(c, target, sc, o, pick))
	}
	// The run must leave stock consistent: check it as the API does.
	var rep struct {
		OK    bool `json:"ok"`
		Items int  `json:"items"`
	}
	if err := c.call("GET", "/inventory/reconcile", nil, &rep); err != nil {
		return nil, err
	}
	if !rep.OK {
		return nil, errors.New("reconciliation failed after the run")
	}
	log.Printf("%s: reconciled %d stock items", target, rep.Items)
	return out, nil
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (c *client) call(method, path string, body, out any) error {
	st, b, err := c.do(method, path, body)
	if err != nil {
		return err
	}
	if st >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, st, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// load runs o.clients clients reserving one unit each, back to back, for o.duration.
func load(c *client, target, scenario string, o options, pick func(*mrand.Rand) int) result {
	res := result{target: target, scenario: scenario}
	var ok, refused, failed atomic.Int64
	lats := make([][]time.Duration, o.clients)
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	var seq atomic.Int64
	for i := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) {
				n := seq.Add(1)
				body := map[string]any{"merchantId": "1", "reference": scenario + "-" + strconv.FormatInt(n, 10),
					"lines": []map[string]any{{"variantId": strconv.Itoa(pick(r)), "quantity": 1}}}
				t0 := time.Now()
				st, _, err := c.do("POST", "/inventory-reservations", body)
				d := time.Since(t0)
				switch {
				case err != nil || st >= 500:
					failed.Add(1)
				case st == http.StatusCreated:
					ok.Add(1)
					lats[i] = append(lats[i], d)
				default:
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok, res.refused, res.err = ok.Load(), refused.Load(), failed.Load()
	for _, l := range lats {
		res.lat = append(res.lat, l...)
	}
	slices.Sort(res.lat)
	return res
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbench runs TPC-B (scale 10) on a scratch database of the same server.
type pgbench struct {
	o    options
	dsn  string
	drop func()
}

func newPgbench(ctx context.Context, o options) (*pgbench, error) {
	dsn, _, drop, err := scratchDB(ctx, o.pgURL, "bana_bench_pgbench_")
	if err != nil {
		return nil, err
	}
	log.Printf("pgbench: init -s 10")
	if out, err := exec.CommandContext(ctx, o.pgbench, "-i", "-s", "10", "-q", dsn).CombinedOutput(); err != nil {
		drop()
		return nil, fmt.Errorf("pgbench -i: %v: %s", err, out)
	}
	return &pgbench{o: o, dsn: dsn, drop: drop}, nil
}

func (p *pgbench) run(ctx context.Context) (float64, error) {
	secs := strconv.Itoa(int(p.o.duration.Seconds()))
	log.Printf("pgbench: -c %d -j 2 -T %s -n", p.o.clients, secs)
	out, err := exec.CommandContext(ctx, p.o.pgbench, "-c", strconv.Itoa(p.o.clients), "-j", "2", "-T", secs, "-n", p.dsn).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no tps in pgbench output: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func render(o options, rs []result, tpss []float64, pgErr error) string {
	var tps float64
	for _, t := range tpss {
		tps += t / float64(len(tpss))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Inventory reservations benchmark\n\n")
	fmt.Fprintf(&b, "Run %s, %s/%s, %d CPUs, Go %s. `go run ./bench/inventory -duration %s -clients %d -variants %d -sqlite=%t`.\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), strings.TrimPrefix(runtime.Version(), "go"),
		o.duration, o.clients, o.variants, o.sqlite)
	fmt.Fprintf(&b, "Each request is `POST /api/inventory-reservations` with one line of one unit: a conditional UPDATE of the stock item, "+
		"the reservation row, its RESERVATION tracking row and its River expiry job, in one transaction, over loopback HTTP with a bearer token. "+
		"`hot`: every request on one variant (one row, fully serialized). `spread`: a random variant of %d.\n\n", o.variants)
	fmt.Fprintf(&b, "| database | scenario | reservations/s | p50 | p95 | p99 | refused | errors | vs pgbench TPC-B |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		ratio := "n/a"
		if tps > 0 {
			ratio = fmt.Sprintf("%.2f", r.rate()/tps)
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %d | %d | %s |\n", r.target, r.scenario, r.rate(),
			ms(r.pct(0.50)), ms(r.pct(0.95)), ms(r.pct(0.99)), r.refused, r.err, ratio)
	}
	switch {
	case len(tpss) == 2:
		fmt.Fprintf(&b, "\npgbench TPC-B on the same PostgreSQL (scale 10, `-c %d -j 2 -T %d -n`): **%.0f tps** right before the PostgreSQL "+
			"scenarios, **%.0f tps** right after; the ratios are against their mean, %.0f tps.\n", o.clients, int(o.duration.Seconds()), tpss[0], tpss[1], tps)
	case tps > 0:
		fmt.Fprintf(&b, "\npgbench TPC-B on the same PostgreSQL (scale 10, `-c %d -j 2 -T %d -n`): **%.0f tps**.\n", o.clients, int(o.duration.Seconds()), tps)
	case pgErr != nil:
		fmt.Fprintf(&b, "\npgbench failed: %v\n", pgErr)
	}
	fmt.Fprintf(&b, "\nThe machine is shared and small; compare ratios within one run, not absolute numbers across runs.\n")
	return b.String()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}
