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
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
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
	lat              benchkit.Latencies
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase (at most 2m)")
	flag.IntVar(&o.clients, "clients", 16, "concurrent HTTP clients (as pgbench -c)")
	flag.IntVar(&o.variants, "variants", 10000, "variants of the spread scenario")
	flag.StringVar(&o.pgURL, "pg", benchkit.EnvOr("BANA_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server URL (a user that may create databases); empty: SQLite only")
	flag.StringVar(&o.pgbench, "pgbench", "pgbench", "pgbench binary")
	flag.BoolVar(&o.sqlite, "sqlite", true, "run the SQLite scenarios too")
	flag.StringVar(&o.out, "out", "bench/inventory/REPORT.md", "report file; empty: stdout only")
	flag.Parse()
	o.duration = min(max(o.duration, time.Second), 2*time.Minute)
	o.clients = min(max(o.clients, 1), 256)
	o.variants = min(max(o.variants, 1), 100000)
	ctx := context.Background()

	perTarget, tps, pgbenchErr, err := benchkit.RunTargets(ctx, benchkit.Targets{SQLite: o.sqlite, PgURL: o.pgURL,
		Pgbench: o.pgbench, Clients: o.clients, Duration: o.duration},
		func(target, pgURL string) ([]result, error) { return runTarget(ctx, o, target, pgURL) })
	if err != nil {
		log.Fatal(err)
	}
	var results []result
	for _, rs := range perTarget {
		results = append(results, rs...)
	}
	report := render(o, results, tps, pgbenchErr)
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// runTarget measures the target (sqlite or postgres); pgURL is the PostgreSQL server of
// postgres, empty for sqlite.
func runTarget(ctx context.Context, o options, target, pgURL string) ([]result, error) {
	srv, err := benchkit.StartInProcess(ctx, "bana-bench-inventory-", pgURL, "bana_bench_inv_")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	// The inventory keeps stock only of a real merchant's own variants: onboard the merchant
	// through commerce and make its menu over the API.
	mer, err := srv.App.Commerce.Onboard(auth.System(ctx), commerce.OnboardInput{OrganizerID: 1, Name: "Bench store", Type: commerce.TypeFNB})
	if err != nil {
		return nil, err
	}
	merchant := mer.Merchant.ID.String()
	token, _, err := srv.App.Tokens.Issue(&auth.Principal{UserID: 7, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"inventory.*", "catalog.*"}}, 0)
	if err != nil {
		return nil, err
	}
	c := &benchkit.Client{Base: srv.Base, Token: token, HTTP: benchkit.NewHTTPClient(o.clients)}

	// Seed: a location, one hot variant with plenty of stock, and o.variants variants through
	// stock counts (which create the stock items and their tracking rows and layers).
	log.Printf("%s: seeding %d variants", target, o.variants+1)
	var loc map[string]any
	if err := c.Call("POST", "/inventory-locations", map[string]any{"merchantId": merchant, "code": "MAIN", "name": "Main store"}, &loc); err != nil {
		return nil, err
	}
	variants, err := menu(c, merchant, o.variants+1)
	if err != nil {
		return nil, err
	}
	hot, spread := variants[0], variants[1:]
	if err := c.Call("POST", "/inventory-counts", map[string]any{"merchantId": merchant, "lines": []map[string]any{{"variantId": hot, "counted": 1_000_000}}}, nil); err != nil {
		return nil, err
	}
	for start := 0; start < len(spread); start += 1000 {
		var lines []map[string]any
		for _, v := range spread[start:min(start+1000, len(spread))] {
			lines = append(lines, map[string]any{"variantId": v, "counted": 1_000_000})
		}
		if err := c.Call("POST", "/inventory-counts", map[string]any{"merchantId": merchant, "lines": lines}, nil); err != nil {
			return nil, err
		}
	}
	var out []result
	for _, sc := range []string{"hot", "spread"} {
		pick := func(r *mrand.Rand) string { return hot }
		if sc == "spread" {
			pick = func(r *mrand.Rand) string { return spread[r.IntN(len(spread))] }
		}
		log.Printf("%s: %s variant(s), %d clients, %s", target, sc, o.clients, o.duration)
		out = append(out, load(c, target, sc, merchant, o, pick))
	}
	// The run must leave stock consistent: check it as the API does.
	var rep struct {
		OK    bool `json:"ok"`
		Items int  `json:"items"`
	}
	if err := c.Call("GET", "/inventory/reconcile", nil, &rep); err != nil {
		return nil, err
	}
	if !rep.OK {
		return nil, errors.New("reconciliation failed after the run")
	}
	log.Printf("%s: reconciled %d stock items", target, rep.Items)
	return out, nil
}

// menu creates n variants of the merchant (products of up to 100 variants) and returns their ids.
func menu(c *benchkit.Client, merchant string, n int) ([]string, error) {
	var out []string
	for p := 0; len(out) < n; p++ {
		var vs []map[string]any
		for v := len(out); v < min(len(out)+100, n); v++ {
			vs = append(vs, map[string]any{"name": "V" + strconv.Itoa(v), "sku": "SKU-" + strconv.Itoa(v), "price": 10000})
		}
		var prod struct {
			Variants []struct {
				ID string `json:"id"`
			} `json:"variants"`
		}
		if err := c.Call("POST", "/products", map[string]any{"merchantId": merchant, "name": "Product " + strconv.Itoa(p), "variants": vs}, &prod); err != nil {
			return nil, err
		}
		for _, v := range prod.Variants {
			out = append(out, v.ID)
		}
		if len(prod.Variants) != len(vs) {
			return nil, fmt.Errorf("product %d: %d variants made of %d", p, len(prod.Variants), len(vs))
		}
	}
	return out, nil
}

// load runs o.clients clients reserving one unit each, back to back, for o.duration.
func load(c *benchkit.Client, target, scenario, merchant string, o options, pick func(*mrand.Rand) string) result {
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
				body := map[string]any{"merchantId": merchant, "reference": scenario + "-" + strconv.FormatInt(n, 10),
					"lines": []map[string]any{{"variantId": pick(r), "quantity": 1}}}
				t0 := time.Now()
				raw, err := json.Marshal(body)
				st := 0
				if err == nil {
					st, _, err = c.Do("POST", "/inventory-reservations", "", raw)
				}
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
			ms(r.lat.Pct(0.50)), ms(r.lat.Pct(0.95)), ms(r.lat.Pct(0.99)), r.refused, r.err, ratio)
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

func ms(d time.Duration) string { return benchkit.Millis(d, 1) }
