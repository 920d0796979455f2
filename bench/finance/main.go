// Command finance measures BANA's postings per second, on SQLite and PostgreSQL, next to pgbench
// TPC-B on the same PostgreSQL in the same run. Three scenarios:
//
//   - hot: POST /api/finance-transactions, an INCOME into one wallet (one row, fully serialized);
//   - spread: an INCOME or an EXPENSE into one of 100 wallets;
//   - worker: PaymentSuccess events published as sale publishes them (event log and delivery job in
//     one transaction), each posted as an INCOME by the FinanceWorkerService on the finance queue,
//     over 20 merchants; the figure is events published and posted per second, from the first
//     publish to the last posting.
//
// After the run every wallet must reconcile (each balance the sum of its postings), and the worker
// must have posted each payment once. It prints a Markdown report and writes it to -out.
//
//	go run ./bench/finance [-duration 10s] [-clients 16] [-pg URL] [-sqlite=false] [-out bench/finance/REPORT.md]
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
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
)

type options struct {
	duration time.Duration
	clients  int
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
	note             string
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

const (
	organizer = id.ID(7101)
	wallets   = 100 // of the spread scenario
	merchants = 20  // of the worker scenario
)

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured phase (at most 2m)")
	flag.IntVar(&o.clients, "clients", 16, "concurrent HTTP clients or publishers (as pgbench -c)")
	flag.StringVar(&o.pgURL, "pg", benchkit.EnvOr("BANA_BENCH_POSTGRES_URL", benchkit.EnvOr("BANA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")),
		"PostgreSQL server URL (a user that may create databases); empty: SQLite only")
	flag.StringVar(&o.pgbench, "pgbench", "pgbench", "pgbench binary")
	flag.BoolVar(&o.sqlite, "sqlite", true, "run the SQLite scenarios too")
	flag.StringVar(&o.out, "out", "bench/finance/REPORT.md", "report file; empty: stdout only")
	flag.Parse()
	o.duration = min(max(o.duration, time.Second), 2*time.Minute)
	o.clients = min(max(o.clients, 1), 256)
	ctx := context.Background()
	if o.pgURL != "" {
		if err := benchkit.CheckLoopback(o.pgURL); err != nil {
			log.Fatal(err)
		}
	}

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
		if err := benchkit.WriteReport(o.out, report); err != nil {
			log.Fatal(err)
		}
	}
}

// runTarget measures the target (sqlite or postgres); pgURL is the PostgreSQL server of
// postgres, empty for sqlite.
func runTarget(ctx context.Context, o options, target, pgURL string) ([]result, error) {
	srv, err := benchkit.StartInProcess(ctx, "bana-bench-finance-", pgURL, "bana_bench_fin_")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	a := srv.App
	issue := func(p *auth.Principal) (string, error) {
		s, _, err := a.Tokens.Issue(p, 0)
		return s, err
	}
	ownerTok, err := issue(&auth.Principal{UserID: 7, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: organizer, Permissions: []string{"finance.*"}, Kind: auth.KindUser})
	if err != nil {
		return nil, err
	}
	adminTok, err := issue(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}, Kind: auth.KindUser})
	if err != nil {
		return nil, err
	}
	c := &benchkit.Client{Base: srv.Base, Token: ownerTok, HTTP: benchkit.NewHTTPClient(o.clients)}
	admin := &benchkit.Client{Base: srv.Base, Token: adminTok, HTTP: benchkit.NewHTTPClient(2)}

	// Seed: merchants onboarded as the system (each gets its Cash wallet from the worker), and
	// wallets of the first one.
	log.Printf("%s: seeding %d merchants and %d wallets", target, merchants, wallets)
	sys := auth.System(ctx)
	var mids []id.ID
	for i := range merchants {
		res, err := a.Commerce.Onboard(sys, commerce.OnboardInput{OrganizerID: organizer, Name: fmt.Sprintf("Quán %d", i+1), Type: commerce.TypeFNB})
		if err != nil {
			return nil, err
		}
		mids = append(mids, res.Merchant.ID)
	}
	first := mids[0].String()
	var hot string
	if err := waitFor(30*time.Second, func() (bool, error) {
		var list []map[string]any
		err := c.Call("GET", "/finance-wallets?filter="+url.QueryEscape(fmt.Sprintf(`{"where":{"merchantId":%q,"isDefault":true}}`, first)), nil, &list)
		if len(list) == 1 {
			hot = list[0]["id"].(string)
		}
		return hot != "", err
	}); err != nil {
		return nil, fmt.Errorf("the default cash wallet: %w", err)
	}
	var spread []string
	for i := range wallets {
		var w map[string]any
		if err := c.Call("POST", "/finance-wallets", map[string]any{"merchantId": first, "name": fmt.Sprintf("Ví %d", i+1), "type": "CREDIT_CARD"}, &w); err != nil {
			return nil, err
		}
		spread = append(spread, w["id"].(string))
	}

	var out []result
	log.Printf("%s: hot wallet, %d clients, %s", target, o.clients, o.duration)
	out = append(out, load(c, target, "hot", o, func(*mrand.Rand) map[string]any {
		return map[string]any{"walletId": hot, "type": "INCOME", "amount": 35000}
	}))
	log.Printf("%s: %d wallets, %d clients, %s", target, wallets, o.clients, o.duration)
	out = append(out, load(c, target, "spread", o, func(r *mrand.Rand) map[string]any {
		typ := "INCOME"
		if r.IntN(2) == 1 {
			typ = "EXPENSE"
		}
		return map[string]any{"walletId": spread[r.IntN(len(spread))], "type": typ, "amount": 1000 + r.IntN(100000)}
	}))
	log.Printf("%s: worker, %d publishers over %d merchants, %s", target, o.clients, merchants, o.duration)
	w, err := worker(ctx, srv, c, target, o, mids)
	if err != nil {
		return out, err
	}
	out = append(out, w)

	// The run must leave every balance equal to its postings.
	var rep struct {
		OK      bool `json:"ok"`
		Wallets []struct {
			Count int64 `json:"count"`
		} `json:"wallets"`
	}
	if err := admin.Call("GET", "/finance-reconciliations", nil, &rep); err != nil {
		return out, err
	}
	if !rep.OK {
		return out, errors.New("reconciliation failed after the run")
	}
	var n int64
	for _, w := range rep.Wallets {
		n += w.Count
	}
	log.Printf("%s: reconciled %d wallets, %d postings", target, len(rep.Wallets), n)
	return out, nil
}

// load runs o.clients clients posting back to back for o.duration.
func load(c *benchkit.Client, target, scenario string, o options, body func(*mrand.Rand) map[string]any) result {
	res := result{target: target, scenario: scenario}
	var ok, refused, failed atomic.Int64
	lats := make([][]time.Duration, o.clients)
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) {
				raw, err := json.Marshal(body(r))
				t0 := time.Now()
				st := 0
				if err == nil {
					st, _, err = c.Do("POST", "/finance-transactions", "", raw)
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

// worker publishes PaymentSuccess events from o.clients goroutines for o.duration, each for a
// new payment of one of the merchants, then waits until the worker has posted every one. The
// latency is from an event's publish to the moment the benchmark saw the posting count reach it
// (sampled), so it is the queue's delay, not one request's.
func worker(ctx context.Context, srv *benchkit.InProcess, c *benchkit.Client, target string, o options, mids []id.ID) (result, error) {
	a := srv.App
	res := result{target: target, scenario: "worker"}
	var published, failed atomic.Int64
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) {
				pay := a.IDs.Next()
				ev := events.PaymentSuccess{OrganizerID: organizer, MerchantID: mids[r.IntN(len(mids))], OrderID: a.IDs.Next(), PaymentID: pay,
					Provider: "SYSTEM", Method: "CASH", Amount: int64(10000 + r.IntN(500000)), Currency: "VND", Reference: pay.String(), PaidAt: time.Now().UTC()}
				if _, err := a.Events.Publish(ctx, ev); err != nil {
					failed.Add(1)
					continue
				}
				published.Add(1)
			}
		}()
	}
	wg.Wait()
	publishedIn := time.Since(start)
	want := published.Load()
	log.Printf("%s: %d events published in %s, waiting for the worker", target, want, publishedIn.Round(time.Millisecond))
	var posted int64
	err := waitFor(5*time.Minute, func() (bool, error) {
		var n int64
		var err error
		if n, err = countPayments(c, mids); err != nil {
			return false, err
		}
		posted = n
		return n >= want, nil
	})
	res.elapsed = time.Since(start)
	res.ok, res.err = posted, failed.Load()
	res.note = fmt.Sprintf("%d published in %s (%.0f/s); all posted %s after the first", want, publishedIn.Round(time.Millisecond),
		float64(want)/publishedIn.Seconds(), res.elapsed.Round(time.Millisecond))
	if res.elapsed-publishedIn < time.Second {
		res.note += ": the worker kept pace with the publishers, so the figure is their rate, a lower bound of the worker's"
	} else {
		res.note += ": the worker is the bound (on SQLite, River's single-writer delivery; `go run ./bench/events` measures the bus alone)"
	}
	if err != nil {
		return res, fmt.Errorf("worker: %d of %d payments posted: %w", posted, want, err)
	}
	if posted != want {
		return res, fmt.Errorf("worker: %d postings for %d payments", posted, want)
	}
	return res, nil
}

// countPayments counts the PAYMENT postings of the merchants.
func countPayments(c *benchkit.Client, mids []id.ID) (int64, error) {
	var ids []string
	for _, m := range mids {
		ids = append(ids, m.String())
	}
	raw, _ := json.Marshal(map[string]any{"source": "PAYMENT", "merchantId": map[string]any{"inq": ids}})
	var n struct {
		Count int64 `json:"count"`
	}
	err := c.Call("GET", "/finance-transactions/count?where="+url.QueryEscape(string(raw)), nil, &n)
	return n.Count, err
}

// waitFor polls cond every 50ms until it holds, fails or the time is up.
func waitFor(limit time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func render(o options, rs []result, tpss []float64, pgErr error) string {
	var tps float64
	for _, t := range tpss {
		tps += t / float64(len(tpss))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Finance postings benchmark\n\n")
	fmt.Fprintf(&b, "Run %s, %s/%s, %d CPUs, Go %s. `go run ./bench/finance -duration %s -clients %d -sqlite=%t`.\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), strings.TrimPrefix(runtime.Version(), "go"),
		o.duration, o.clients, o.sqlite)
	fmt.Fprintf(&b, "`hot` and `spread`: `POST /api/finance-transactions` over loopback HTTP with a bearer token: the posting, "+
		"its source key's unique index and the wallet's conditional balance UPDATE in one transaction. `hot`: every request an INCOME into "+
		"one wallet (one row, fully serialized). `spread`: an INCOME or an EXPENSE into one of %d wallets. `worker`: %d publishers "+
		"publish PaymentSuccess as sale does (the event and its delivery job in one transaction), and the FinanceWorkerService posts each "+
		"as an INCOME in the Cash wallet of one of %d merchants (route lookup, the receipt of the delivery, the posting, the balance); "+
		"postings/s counts from the first publish to the last posting.\n\n", wallets, o.clients, merchants)
	fmt.Fprintf(&b, "| database | scenario | postings/s | p50 | p95 | p99 | refused | errors | vs pgbench TPC-B |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var notes []string
	for _, r := range rs {
		ratio := "n/a"
		if tps > 0 && r.target == "postgres" {
			ratio = fmt.Sprintf("%.2f", r.rate()/tps)
		}
		p50, p95, p99 := ms(r.lat.Pct(0.50)), ms(r.lat.Pct(0.95)), ms(r.lat.Pct(0.99))
		if r.scenario == "worker" {
			p50, p95, p99 = "-", "-", "-"
			notes = append(notes, fmt.Sprintf("- %s worker: %s.", r.target, r.note))
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %d | %d | %s |\n", r.target, r.scenario, r.rate(), p50, p95, p99, r.refused, r.err, ratio)
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, "\n%s\n", strings.Join(notes, "\n"))
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
	fmt.Fprintf(&b, "\nAfter each database's scenarios every wallet reconciled (balance = sum of postings) and the worker had posted each payment once.\n")
	fmt.Fprintf(&b, "The machine is shared and small; compare ratios within one run, not absolute numbers across runs.\n")
	return b.String()
}

func ms(d time.Duration) string { return benchkit.Millis(d, 1) }
