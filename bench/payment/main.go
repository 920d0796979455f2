// Command payment measures BANA's handling of VNPAY IPNs over loopback HTTP against the real
// server (issue 13): each IPN is verified (HMAC-SHA512 under the merchant's sealed hash secret),
// matched to its attempt and amount through sale, recorded, and pays its order (stock committed,
// PaymentSuccess published) in one transaction. It runs on PostgreSQL (and SQLite with
// -sqlite), next to pgbench TPC-B on the same PostgreSQL in the same run, and prints a Markdown
// report, also written to -out.
//
//	go run ./bench/payment [-ipns 4000] [-clients 16] [-pg URL] [-sqlite] [-out bench/payment/REPORT.md]
//
// Scenarios, each with -ipns IPNs of orders checked out beforehand with a VNPAY tender:
//
//   - cafés: each client pays orders of a café of its own (no row shared between clients);
//   - one café: every client pays orders of the same café (its stock rows are shared);
//   - replays: every IPN of the cafés scenario delivered again: each must answer 02 and change
//     nothing, the path a provider's retries take.
//
// pgbench runs right before and right after the PostgreSQL scenarios; ratios are against the
// mean. The server runs in this process (app.New, as `bana serve` builds it) on scratch databases
// dropped at the end.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

type options struct {
	ipns, warmup, clients int
	pgURL, pgbench        string
	pgbenchTime           time.Duration
	sqlite                bool
	out                   string
}

const (
	organizer = id.ID(13001)
	tmnCode   = "BANABNCH"
	secret    = "bench-vnpay-hash-secret-0123456789"
)

func main() {
	benchkit.Main("bench/payment", run)
}

func run(ctx context.Context, args []string) error {
	var o options
	fs := flag.NewFlagSet("payment", flag.ContinueOnError)
	fs.IntVar(&o.ipns, "ipns", 4000, "IPNs measured per scenario")
	fs.IntVar(&o.warmup, "warmup", 200, "IPNs sent before each measured scenario, not measured")
	fs.IntVar(&o.clients, "clients", 16, "concurrent HTTP clients (as pgbench -c)")
	fs.StringVar(&o.pgURL, "pg", benchkit.PostgresURL(), "PostgreSQL server URL (a user that may create databases); empty: skip PostgreSQL")
	fs.StringVar(&o.pgbench, "pgbench", "pgbench", "pgbench binary")
	fs.DurationVar(&o.pgbenchTime, "pgbench-duration", 10*time.Second, "length of each pgbench TPC-B run")
	fs.BoolVar(&o.sqlite, "sqlite", false, "measure SQLite too")
	fs.StringVar(&o.out, "out", "bench/payment/REPORT.md", "report file; empty: stdout only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.clients = min(max(o.clients, 1), 128)
	o.ipns = min(max(o.ipns, o.clients), 100000)
	start, loadBefore := time.Now(), loadAvg()
	var results []*targetResult
	if o.sqlite {
		r, err := runTarget(ctx, o, "sqlite", "")
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		results = append(results, r)
	}
	var tps []float64
	var pgErr error
	if o.pgURL != "" {
		var err error
		tps, pgErr, err = benchkit.AroundPgbench(
			func() (*benchkit.Pgbench, error) {
				log.Printf("pgbench: init -s 10")
				return benchkit.NewPgbench(ctx, o.pgbench, o.pgURL, "bana_bench_pgbench_", 10)
			},
			func(pb *benchkit.Pgbench) (float64, error) {
				log.Printf("pgbench: -c %d -j 2 -T %s -n", o.clients, o.pgbenchTime)
				return pb.Run(ctx, "-c", strconv.Itoa(o.clients), "-j", "2", "-T", strconv.Itoa(int(o.pgbenchTime.Seconds())), "-n")
			},
			func() error {
				r, err := runTarget(ctx, o, "postgres", o.pgURL)
				if err == nil {
					results = append(results, r)
				}
				return err
			})
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
	}
	report := render(o, start, loadBefore, loadAvg(), tps, pgErr, results)
	fmt.Print(report)
	if o.out != "" {
		return benchkit.WriteReport(o.out, report)
	}
	return nil
}

type targetResult struct {
	target    string
	scenarios []scenario
	checks    []string // what was verified after the loads
	// One IPN at a time: its latency and the SQL statements it sends (mode, min-max), for a
	// first delivery and for a replay.
	seq, seqReplay     benchkit.Latencies
	stmts, stmtsReplay [3]int64
}

type scenario struct {
	name    string
	ok      int
	failed  int
	elapsed time.Duration
	lat     benchkit.Latencies
	errors  map[string]int
}

func (s scenario) rate() float64 { return float64(s.ok) / s.elapsed.Seconds() }

// cafe is a seeded merchant with VNPAY configured.
type cafe struct {
	mid    string
	client *benchkit.Client
	banhmi string
}

// ipn is one attempt's signed IPN, and where it goes.
type ipn struct {
	path string
}

func runTarget(ctx context.Context, o options, target, pgURL string) (*targetResult, error) {
	srv, err := benchkit.StartInProcess(ctx, "bana-bench-payment-", pgURL, "bana_bench_payment_")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	hc := benchkit.NewHTTPClient(o.clients)
	log.Printf("%s: seeding %d cafés with VNPAY", target, o.clients)
	cafes := make([]*cafe, o.clients)
	for i := range cafes {
		if cafes[i], err = seedCafe(ctx, srv.App, hc, srv.Base, organizer+id.ID(i)); err != nil {
			return nil, err
		}
	}
	res := &targetResult{target: target}
	// Every IPN needs an attempt of its own: check orders out with a VNPAY tender first.
	per := (o.ipns + o.warmup + o.clients - 1) / o.clients
	log.Printf("%s: checking out %d orders per café with a VNPAY tender", target, per)
	spread, err := prepare(cafes, per)
	if err != nil {
		return nil, err
	}
	log.Printf("%s: checking out %d orders at one café", target, per*o.clients)
	one, err := prepare(repeat(cafes[0], o.clients), per)
	if err != nil {
		return nil, err
	}
	var measured [][]ipn
	for _, sc := range []struct {
		name  string
		lists [][]ipn
	}{{fmt.Sprintf("%d cafés", o.clients), spread}, {"one café", one}} {
		warm, rest := split(sc.lists, o.warmup)
		if w := load(hc, srv.Base, warm, vnpay.RspConfirmed); w.failed > 0 {
			log.Printf("%s, %s: warm-up errors %v", target, sc.name, w.errors)
		}
		log.Printf("%s, %s: %d IPNs, %d clients", target, sc.name, count(rest), o.clients)
		r := load(hc, srv.Base, rest, vnpay.RspConfirmed)
		r.name = sc.name
		res.scenarios = append(res.scenarios, r)
		if len(measured) == 0 {
			measured = rest
		}
	}
	log.Printf("%s: one IPN at a time", target)
	seqList, err := prepare(cafes[:1], 200)
	if err != nil {
		return nil, err
	}
	res.seq, res.stmts = sequential(hc, srv, seqList[0], vnpay.RspConfirmed)
	res.seqReplay, res.stmtsReplay = sequential(hc, srv, seqList[0], vnpay.RspAlreadyConfirmed)
	log.Printf("%s: replays", target)
	r := load(hc, srv.Base, measured, vnpay.RspAlreadyConfirmed)
	r.name = "replays (each answered 02)"
	res.scenarios = append(res.scenarios, r)

	// What must hold after it all: every attempt paid once, one PaymentSuccess each.
	d := srv.App.DB
	var paid, pending, applied, events int
	q := func(sql string, dst *int) error { return d.R.QueryRowContext(ctx, sql).Scan(dst) }
	for _, c := range []struct {
		sql string
		dst *int
	}{{"SELECT count(*) FROM sale_payments WHERE provider = 'VNPAY' AND status = 'SUCCEEDED'", &paid},
		{"SELECT count(*) FROM sale_payments WHERE provider = 'VNPAY' AND status = 'PENDING'", &pending},
		{"SELECT count(*) FROM sale_payment_callbacks WHERE outcome = 'APPLIED'", &applied},
		{"SELECT count(*) FROM event_log WHERE name = 'PaymentSuccess'", &events}} {
		if err := q(c.sql, c.dst); err != nil {
			return nil, err
		}
	}
	want := 2*per*o.clients + 200
	res.checks = append(res.checks, fmt.Sprintf("%d attempts checked out, %d paid, %d still pending; %d callbacks applied; %d PaymentSuccess events",
		want, paid, pending, applied, events))
	if paid != want || pending != 0 || applied != want || events != want {
		res.checks = append(res.checks, "**MISMATCH**: every attempt must be paid exactly once")
	}
	return res, nil
}

func repeat(c *cafe, n int) []*cafe {
	out := make([]*cafe, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// split takes the first n IPNs (spread over the lists) for a warm-up.
func split(lists [][]ipn, n int) (warm, rest [][]ipn) {
	per := (n + len(lists) - 1) / len(lists)
	for _, l := range lists {
		k := min(per, len(l))
		warm, rest = append(warm, l[:k]), append(rest, l[k:])
	}
	return warm, rest
}

func count(lists [][]ipn) int {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	return n
}

// seedCafe seeds the demo café, stock, a shift and the merchant's VNPAY settings.
func seedCafe(ctx context.Context, a *app.App, hc *http.Client, base string, org id.ID) (*cafe, error) {
	token, _, err := a.Tokens.Issue(&auth.Principal{UserID: org + 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}}, 0)
	if err != nil {
		return nil, err
	}
	c := &benchkit.Client{Base: base, Token: token, HTTP: hc}
	demo, err := a.Commerce.SeedDemo(ctx, org)
	if err != nil {
		return nil, err
	}
	mid := demo.MerchantID.String()
	banhmi := demo.Variants["BM-THIT"].String()
	if err := c.Call("POST", "/inventory-locations", map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}, nil); err != nil {
		return nil, err
	}
	if err := c.Call("POST", "/inventory-counts", map[string]any{"merchantId": mid, "lines": []map[string]any{{"variantId": banhmi, "counted": 10_000_000}}}, nil); err != nil {
		return nil, err
	}
	if err := c.Call("POST", "/shifts/open", map[string]any{"merchantId": mid, "openingFloat": 0}, nil); err != nil {
		return nil, err
	}
	settings, _ := json.Marshal(map[string]any{"enabled": true, "tmnCode": tmnCode, "hashSecret": secret,
		"paymentUrl": "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", "apiUrl": "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
		"returnUrl": "https://pos.example/return"})
	if err := c.Call("POST", "/configurations", map[string]any{"code": payment.ConfigCode(payment.ProviderVNPAY), "group": "PAYMENT",
		"dataType": "SECRET", "value": string(settings), "merchantId": mid}, nil); err != nil {
		return nil, err
	}
	return &cafe{mid: mid, client: c, banhmi: banhmi}, nil
}

// prepare checks out per orders at each café (one list per café) with a VNPAY tender, and
// returns the signed IPN of each attempt, as VNPAY would send it once the customer paid.
func prepare(cafes []*cafe, per int) ([][]ipn, error) {
	out := make([][]ipn, len(cafes))
	var wg sync.WaitGroup
	errs := make([]error, len(cafes))
	for i, c := range cafes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				var o struct {
					ID    string `json:"id"`
					Total int64  `json:"total"`
				}
				if err := c.client.Call("POST", "/sale-orders", map[string]any{"merchantId": c.mid, "type": "TAKE_AWAY",
					"lines": []map[string]any{{"variantId": c.banhmi, "quantity": 1}}}, &o); err != nil {
					errs[i] = err
					return
				}
				var v struct {
					Payments []struct {
						Reference string `json:"reference"`
						Status    string `json:"status"`
					} `json:"payments"`
				}
				if err := c.client.Call("POST", "/sale-orders/"+o.ID+"/checkout", map[string]any{"tenders": []map[string]any{
					{"provider": payment.ProviderVNPAY, "method": payment.MethodQR, "amount": o.Total}}}, &v); err != nil {
					errs[i] = err
					return
				}
				if len(v.Payments) != 1 || v.Payments[0].Status != "PENDING" {
					errs[i] = fmt.Errorf("checkout answered %+v", v)
					return
				}
				out[i] = append(out[i], ipn{path: "/payment-ipn/vnpay/" + c.mid + "?" + signed(v.Payments[0].Reference, o.Total, len(out[i]))})
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// signed is the query string of a successful payment's IPN.
func signed(ref string, amount int64, n int) string {
	v := url.Values{"vnp_TmnCode": {tmnCode}, "vnp_Amount": {strconv.FormatInt(amount*100, 10)}, "vnp_BankCode": {"NCB"},
		"vnp_BankTranNo": {"VNP" + ref}, "vnp_CardType": {"ATM"}, "vnp_OrderInfo": {"Thanh toan don hang"},
		"vnp_PayDate": {vnpay.FormatDate(time.Now())}, "vnp_ResponseCode": {"00"}, "vnp_TransactionNo": {strconv.Itoa(14000000 + n)},
		"vnp_TransactionStatus": {"00"}, "vnp_TxnRef": {ref}, "vnp_SecureHashType": {"HmacSHA512"}}
	v.Set("vnp_SecureHash", vnpay.Sign(secret, v))
	return v.Encode()
}

// load sends each list's IPNs in order from a client of its own, and counts the answers that are
// want.
func load(hc *http.Client, base string, lists [][]ipn, want string) scenario {
	var ok, failed atomic.Int64
	var mu sync.Mutex
	res := scenario{errors: map[string]int{}}
	start := time.Now()
	var wg sync.WaitGroup
	for _, l := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make(benchkit.Latencies, 0, len(l))
			for _, in := range l {
				t0 := time.Now()
				st, body, err := get(hc, base+in.path)
				d := time.Since(t0)
				var rep vnpay.IPNReply
				if err == nil && st == 200 {
					err = json.Unmarshal(body, &rep)
				}
				if err != nil || st != 200 || rep.RspCode != want {
					failed.Add(1)
					mu.Lock()
					res.errors[fmt.Sprintf("status %d RspCode %q %v", st, rep.RspCode, err)]++
					mu.Unlock()
					continue
				}
				ok.Add(1)
				lat = append(lat, d)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok, res.failed = int(ok.Load()), int(failed.Load())
	slices.Sort(res.lat)
	return res
}

// sequential sends IPNs one at a time and counts the statements each sends (River's excepted).
func sequential(hc *http.Client, srv *benchkit.InProcess, l []ipn, want string) (benchkit.Latencies, [3]int64) {
	var lat benchkit.Latencies
	var counts []int64
	for _, in := range l {
		before := srv.App.DB.ForegroundStatements()
		t0 := time.Now()
		st, body, err := get(hc, srv.Base+in.path)
		d := time.Since(t0)
		var rep vnpay.IPNReply
		if err != nil || st != 200 || json.Unmarshal(body, &rep) != nil || rep.RspCode != want {
			log.Printf("one at a time: %d %s %v", st, body, err)
			continue
		}
		lat = append(lat, d)
		counts = append(counts, srv.App.DB.ForegroundStatements()-before)
	}
	slices.Sort(lat)
	slices.Sort(counts)
	if len(counts) == 0 {
		return lat, [3]int64{}
	}
	freq, mode := map[int64]int{}, counts[0]
	for _, c := range counts {
		freq[c]++
		if freq[c] > freq[mode] {
			mode = c
		}
	}
	return lat, [3]int64{mode, counts[0], counts[len(counts)-1]}
}

// get sends a GET as VNPAY does: no credentials.
func get(hc *http.Client, u string) (int, []byte, error) {
	resp, err := hc.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func render(o options, start time.Time, before, after string, tps []float64, pgErr error, rs []*targetResult) string {
	var mean float64
	for _, t := range tps {
		mean += t / float64(len(tps))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# IPN benchmark (payment)\n\n")
	fmt.Fprintf(&b, "Run %s, %s/%s, %d CPUs, Go %s. `go run ./bench/payment -ipns %d -clients %d -sqlite=%t`. Load average %s before the run, %s after.\n\n",
		start.UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), strings.TrimPrefix(runtime.Version(), "go"),
		o.ipns, o.clients, o.sqlite, before, after)
	fmt.Fprintf(&b, "One IPN is VNPAY's server-to-server `GET /api/payment-ipn/vnpay/{merchantId}?vnp_...&vnp_SecureHash=...` for an attempt "+
		"checked out beforehand (`POST /api/sale-orders/{id}/checkout` with a VNPAY tender: one bánh mì, stock-tracked). BANA reads the "+
		"merchant's sealed settings, verifies the HMAC-SHA512, finds the attempt and checks the amount through sale, then in one "+
		"transaction records the notification and applies it through sale's ApplyCallback: the payment succeeds, the stock is "+
		"committed, PaymentSuccess is published (its deliveries inserted), the order is paid and sent to the kitchen. An IPN counts "+
		"when it answers 200 with RspCode 00 (02 for the replays). %d clients in closed loops over their lists, after %d IPNs of warm-up; "+
		"the server runs in the load generator's process.\n\n", o.clients, o.warmup)
	fmt.Fprintf(&b, "| database | scenario | IPNs/s | p50 | p95 | p99 | IPNs | errors | vs pgbench TPC-B |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		for _, s := range r.scenarios {
			ratio := "n/a"
			if mean > 0 {
				ratio = fmt.Sprintf("%.2f", s.rate()/mean)
				if r.target == "postgres" {
					ratio = "**" + ratio + "**"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %d | %d | %s |\n", r.target, s.name, s.rate(), benchkit.Millis(s.lat.Pct(0.5), 1),
				benchkit.Millis(s.lat.Pct(0.95), 1), benchkit.Millis(s.lat.Pct(0.99), 1), s.ok, s.failed, ratio)
		}
	}
	switch {
	case len(tps) == 2:
		fmt.Fprintf(&b, "\npgbench TPC-B on the same PostgreSQL (scale 10, `-c %d -j 2 -T %d -n`): **%.0f tps** right before the PostgreSQL "+
			"scenarios, **%.0f tps** right after; the ratios are against their mean, %.0f tps.\n", o.clients, int(o.pgbenchTime.Seconds()), tps[0], tps[1], mean)
	case len(tps) == 1:
		fmt.Fprintf(&b, "\npgbench TPC-B on the same PostgreSQL: **%.0f tps**.\n", mean)
	case pgErr != nil:
		fmt.Fprintf(&b, "\npgbench failed: %v\n", pgErr)
	}
	for _, r := range rs {
		if r.target != "postgres" || mean == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n**Target of issue 13** (PostgreSQL: IPN handling >= 0.3 of pgbench TPC-B tps):\n\n")
		for _, s := range r.scenarios {
			verdict := "**met**"
			if s.rate()/mean < 0.3 || s.failed > 0 {
				verdict = "**not met**"
			}
			fmt.Fprintf(&b, "- %s: %s: %.2f of TPC-B, %d errors.\n", s.name, verdict, s.rate()/mean, s.failed)
		}
	}
	fmt.Fprintf(&b, "\n## One IPN at a time\n\n200 IPNs of one café sent one after the other, then each again: the latency with nothing else running, "+
		"and the SQL statements each sent (counted by `db.DB.ForegroundStatements`, BEGIN and COMMIT included, River's polling excluded; mode, min-max).\n\n")
	fmt.Fprintf(&b, "| database | IPN p50 | one client's ceiling | statements | replay p50 | replay statements |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		p50 := r.seq.Pct(0.5)
		ceiling := "n/a"
		if p50 > 0 {
			ceiling = fmt.Sprintf("%.0f IPNs/s", 1/p50.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | **%d** (%d-%d) | %s | **%d** (%d-%d) |\n", r.target, benchkit.Millis(p50, 1), ceiling,
			r.stmts[0], r.stmts[1], r.stmts[2], benchkit.Millis(r.seqReplay.Pct(0.5), 1), r.stmtsReplay[0], r.stmtsReplay[1], r.stmtsReplay[2])
	}
	fmt.Fprintf(&b, "\n## Checks after the loads\n\n")
	for _, r := range rs {
		for _, c := range r.checks {
			fmt.Fprintf(&b, "- %s: %s\n", r.target, c)
		}
		for _, s := range r.scenarios {
			for k, n := range s.errors {
				fmt.Fprintf(&b, "- %s, %s: %d × %s\n", r.target, s.name, n, k)
			}
		}
	}
	fmt.Fprintf(&b, "\nThe machine is shared and small; compare ratios within one run, not absolute numbers across runs.\n")
	return b.String()
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}
