// Command sale measures BANA's checkout flow over loopback HTTP against the real server: create
// an order with three lines, then check it out paying cash, on SQLite and PostgreSQL, next to
// pgbench TPC-B on the same PostgreSQL in the same run (issue 7). Two scenarios: every client at
// one café (shared order counter and stock rows), and each client at a café of its own. It also
// counts the SQL statements one order costs, samples where PostgreSQL's backends wait, and
// accounts CPU by process. It prints a Markdown report and writes it to -out.
//
//	go run ./bench/sale [-duration 10s] [-clients 16] [-pg URL] [-sqlite=false] [-out bench/sale/REPORT.md]
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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/jackc/pgx/v5"
)

type options struct {
	duration   time.Duration
	warmup     time.Duration
	clients    int
	sequential int
	idle       time.Duration
	pgURL      string
	pgbench    string
	sqlite     bool
	out        string
	cpuprofile string
	quietWait  time.Duration
}

// The organizers the demo cafés are seeded for (the first is the one-café scenario's), and
// their owners' user ids (owner + i).
const (
	organizer = id.ID(7001)
	owner     = 9001
)

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of the measured load (1s-2m)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before it")
	flag.IntVar(&o.clients, "clients", 16, "concurrent HTTP clients (as pgbench -c)")
	flag.IntVar(&o.sequential, "sequential", 200, "orders of the one-client pass that counts SQL statements")
	flag.DurationVar(&o.idle, "idle", 5*time.Second, "idle interval that measures background statements")
	flag.StringVar(&o.pgURL, "pg", benchkit.EnvOr("BANA_BENCH_POSTGRES_URL", benchkit.EnvOr("BANA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")),
		"PostgreSQL server URL (a user that may create databases); empty: SQLite only")
	flag.StringVar(&o.pgbench, "pgbench", "pgbench", "pgbench binary")
	flag.BoolVar(&o.sqlite, "sqlite", true, "run the SQLite scenario too")
	flag.StringVar(&o.out, "out", "bench/sale/REPORT.md", "report file; empty: stdout only")
	flag.DurationVar(&o.quietWait, "quiet-wait", 20*time.Second, "how long to wait, before each measured load, for other work on the machine to use under 0.3 cores")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "folder for a CPU profile of this process (server and load generator) during each measured load")
	flag.Parse()
	o.duration = min(max(o.duration, time.Second), 2*time.Minute)
	o.warmup = min(max(o.warmup, 0), time.Minute)
	o.clients = min(max(o.clients, 1), 256)
	o.sequential = min(max(o.sequential, 10), 10000)
	o.idle = min(max(o.idle, time.Second), time.Minute)
	ctx := context.Background()
	if o.cpuprofile != "" {
		if err := os.MkdirAll(o.cpuprofile, 0o755); err != nil {
			log.Fatal(err)
		}
	}

	run := runInfo{start: time.Now(), loadBefore: loadAvg()}
	var results []*targetResult
	if o.sqlite {
		r, err := runTarget(ctx, o, "sqlite", "")
		if err != nil {
			log.Fatalf("sqlite: %v", err)
		}
		results = append(results, r)
	}
	if o.pgURL != "" {
		var err error
		run.pgbench, run.pgbenchErr, err = benchkit.AroundPgbench(
			func() (*benchkit.Pgbench, error) { return newPgbench(ctx, o) },
			func(pb *benchkit.Pgbench) (pgbenchRun, error) { return runPgbench(ctx, o, pb) },
			func() error {
				r, err := runTarget(ctx, o, "postgres", o.pgURL)
				if err == nil {
					results = append(results, r)
				}
				return err
			})
		if err != nil {
			log.Fatalf("postgres: %v", err)
		}
	}
	run.loadAfter = loadAvg()
	report := render(o, run, results)
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// loadResult is one closed-loop load.
type loadResult struct {
	ok, failed       int64
	elapsed          time.Duration
	flow, create, co benchkit.Latencies
	errors           map[string]int // kind -> count
	samples          map[string]string
}

func (r loadResult) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// stmtCount is what the one-client pass found for one request type.
type stmtCount struct {
	mode, lo, hi int64
	mean         float64
}

// scenarioResult is one measured load.
type scenarioResult struct {
	name string
	cpu  cpuUse // over the measured load
	load loadResult
	pg   *activity // PostgreSQL backends during the load
	// Statements over the measured load.
	stmts int64
}

type targetResult struct {
	target    string
	scenarios []scenarioResult
	// One order at a time: the latency of each request with nothing else running.
	seqCreate, seqCheckout benchkit.Latencies
	seqSale                benchkit.Latencies // counter sales, one at a time
	// Statements.
	idleRate         float64 // statements/s with no requests (River's polling)
	create, checkout stmtCount
	sale             stmtCount // a counter sale
	attributed       float64   // per order, from the pass start until the jobs drained, minus idle
	seqOrders        int
	seqErrors        int
	jobs             map[string]int // River jobs by state and kind at the end
	scans            []tableScans   // PostgreSQL: the tables read most by sequential scans
}

// tableScans is a row of pg_stat_user_tables.
type tableScans struct {
	Table      string `bun:"tbl"`
	SeqScans   int64  `bun:"seq_scan"`
	SeqRows    int64  `bun:"seq_tup_read"`
	IndexScans int64  `bun:"idx_scan"`
	LiveRows   int64  `bun:"n_live_tup"`
}

type runInfo struct {
	start                 time.Time
	loadBefore, loadAfter string
	pgbench               []pgbenchRun
	pgbenchErr            error
}

// runTarget measures the target (sqlite or postgres); pgURL is the PostgreSQL server of
// postgres, empty for sqlite.
func runTarget(ctx context.Context, o options, target, pgURL string) (*targetResult, error) {
	srv, err := benchkit.StartInProcess(ctx, "bana-bench-sale-", pgURL, "bana_bench_sale_")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	a, dbName := srv.App, srv.DBName
	hc := benchkit.NewHTTPClient(o.clients)
	log.Printf("%s: seeding %d demo cafés", target, o.clients)
	shops := make([]*flow, o.clients)
	for i := range shops {
		if shops[i], err = seedShop(ctx, a, hc, srv.Base, organizer+id.ID(i), owner+int64(i)); err != nil {
			return nil, err
		}
	}
	f := shops[0]

	counter := make([]*flow, len(shops))
	for i, s := range shops {
		c := *s
		c.counter = true
		counter[i] = &c
	}
	res := &targetResult{target: target}
	for _, sc := range []struct {
		name  string
		shops []*flow
	}{{"one café", shops[:1]}, {fmt.Sprintf("%d cafés", len(shops)), shops},
		{"counter sale, one café", counter[:1]}, {fmt.Sprintf("counter sale, %d cafés", len(shops)), counter}} {
		r, err := measure(ctx, o, a.DB, dbName, target, sc.name, sc.shops)
		if err != nil {
			return nil, err
		}
		res.scenarios = append(res.scenarios, r)
	}

	// Statements: let the jobs the load enqueued drain, measure the background with no requests,
	// then run orders one at a time, counting around each request.
	log.Printf("%s: waiting for the jobs to drain", target)
	if _, err := drain(ctx, a.DB); err != nil {
		return nil, err
	}
	i0, t0 := a.DB.Statements(), time.Now()
	time.Sleep(o.idle)
	res.idleRate = float64(a.DB.Statements()-i0) / time.Since(t0).Seconds()
	log.Printf("%s: %d orders one at a time", target, o.sequential)
	var creates, checkouts []int64
	passStart, passT0 := a.DB.Statements(), time.Now()
	for i := range o.sequential {
		var sc, sk int64
		before := a.DB.ForegroundStatements() // the request's own: River's polls and jobs are not
		err := f.once(fmt.Sprintf("seq-%d", i), func(step string) {
			now := a.DB.ForegroundStatements()
			if step == "create" {
				sc = now - before
			} else {
				sk = now - before - sc
			}
		}, func(step string, d time.Duration) {
			switch step {
			case "create":
				res.seqCreate = append(res.seqCreate, d)
			case "checkout":
				res.seqCheckout = append(res.seqCheckout, d)
			}
		})
		if err != nil {
			res.seqErrors++
			log.Printf("%s: sequential order %d: %v", target, i, err)
			continue
		}
		creates, checkouts = append(creates, sc), append(checkouts, sk)
	}
	res.seqOrders = len(creates)
	polls, err := drain(ctx, a.DB)
	if err != nil {
		return nil, err
	}
	passStmts, passTime := a.DB.Statements()-passStart-int64(polls), time.Since(passT0)
	if res.seqOrders > 0 {
		res.attributed = (float64(passStmts) - res.idleRate*passTime.Seconds()) / float64(res.seqOrders)
	}
	res.create, res.checkout = summarize(creates), summarize(checkouts)
	// The same count for counter sales (one request per order).
	var sales []int64
	for i := range o.sequential {
		before := a.DB.ForegroundStatements()
		var n int64
		err := counter[0].once(fmt.Sprintf("seq-sale-%d", i), func(string) { n = a.DB.ForegroundStatements() - before }, func(step string, d time.Duration) {
			if step == "sale" {
				res.seqSale = append(res.seqSale, d)
			}
		})
		if err != nil {
			res.seqErrors++
			log.Printf("%s: sequential counter sale %d: %v", target, i, err)
			continue
		}
		sales = append(sales, n)
	}
	res.sale = summarize(sales)
	slices.Sort(res.seqSale)
	if _, err := drain(ctx, a.DB); err != nil {
		return nil, err
	}
	slices.Sort(res.seqCreate)
	slices.Sort(res.seqCheckout)
	if res.jobs, err = jobStates(ctx, a.DB); err != nil {
		return nil, err
	}
	if a.DB.Dialect == db.Postgres {
		// The statistics collector flushes about once a second.
		time.Sleep(1500 * time.Millisecond)
		err := a.DB.R.NewSelect().TableExpr("pg_stat_user_tables").
			ColumnExpr("schemaname || '.' || relname AS tbl, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan, n_live_tup").
			Where("seq_scan > 0").OrderExpr("seq_tup_read DESC").Limit(8).Scan(ctx, &res.scans)
		if err != nil {
			return nil, fmt.Errorf("pg_stat_user_tables: %w", err)
		}
	}
	return res, nil
}

// measure runs the warm-up and the measured load of one scenario.
func measure(ctx context.Context, o options, d *db.DB, dbName, target, name string, shops []*flow) (scenarioResult, error) {
	res := scenarioResult{name: name}
	if o.warmup > 0 {
		log.Printf("%s, %s: warm-up %s, %d clients", target, name, o.warmup, o.clients)
		if w := load(shops, o.clients, o.warmup, target+" "+name+" warm-up"); w.failed > 0 {
			log.Printf("%s, %s: %d errors in the warm-up: %v", target, name, w.failed, w.errors)
		}
	}
	// Jobs left by what ran before (the warm-up, the other scenario) must not run in the window.
	if _, err := drain(ctx, d); err != nil {
		return res, err
	}
	waitQuiet(o.quietWait, dbName)
	log.Printf("%s, %s: checkout flow, %d clients, %s", target, name, o.clients, o.duration)
	var prof *os.File
	if o.cpuprofile != "" {
		var err error
		file := target + "-" + strings.ReplaceAll(strings.ReplaceAll(name, " ", "-"), "é", "e") + ".pprof"
		if prof, err = os.Create(filepath.Join(o.cpuprofile, file)); err != nil {
			return res, err
		}
		if err := pprof.StartCPUProfile(prof); err != nil {
			return res, err
		}
	}
	var sampler *activitySampler
	if dbName != "" {
		var err error
		if sampler, err = sampleActivity(ctx, o.pgURL, dbName); err != nil {
			return res, err
		}
	}
	s0, meter := d.Statements(), startCPU(dbName)
	res.load = load(shops, o.clients, o.duration, target+" "+name)
	s1, cpu := d.Statements(), meter.stop()
	if sampler != nil {
		res.pg = sampler.stop()
	}
	if prof != nil {
		pprof.StopCPUProfile()
		prof.Close()
	}
	res.stmts, res.cpu = s1-s0, cpu
	return res, nil
}

// seedShop seeds a demo café for an organizer, a store with plenty of the tracked items and an
// open shift, and returns the flow of an order there by the organizer's owner.
func seedShop(ctx context.Context, a *app.App, hc *http.Client, base string, org id.ID, user int64) (*flow, error) {
	token, _, err := a.Tokens.Issue(&auth.Principal{UserID: id.ID(user), Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}}, 0)
	if err != nil {
		return nil, err
	}
	c := &benchkit.Client{Base: base, Token: token, HTTP: hc}
	cafe, err := a.Commerce.SeedDemo(ctx, org)
	if err != nil {
		return nil, err
	}
	mid := cafe.MerchantID.String()
	variant := func(sku string) (string, error) {
		v, ok := cafe.Variants[sku]
		if !ok {
			return "", fmt.Errorf("the demo café has no %s", sku)
		}
		return v.String(), nil
	}
	option := func(group, name string) (string, error) {
		v, ok := cafe.Options[group][name]
		if !ok {
			return "", fmt.Errorf("the demo café has no %s option %q", group, name)
		}
		return v.String(), nil
	}
	var banhmi, coffee, water, size, sugar string
	for _, s := range []struct {
		dst *string
		get func() (string, error)
	}{
		{&banhmi, func() (string, error) { return variant("BM-THIT") }},
		{&coffee, func() (string, error) { return variant("CF-SUA") }},
		{&water, func() (string, error) { return variant("NS-500") }},
		{&size, func() (string, error) { return option("SIZE", "Lớn (L)") }},
		{&sugar, func() (string, error) { return option("SUGAR", "Ít đường") }},
	} {
		if *s.dst, err = s.get(); err != nil {
			return nil, err
		}
	}
	if err := c.Call("POST", "/inventory-locations", map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}, nil); err != nil {
		return nil, err
	}
	if err := c.Call("POST", "/inventory-counts", map[string]any{"merchantId": mid, "lines": []map[string]any{
		{"variantId": banhmi, "counted": 1_000_000}, {"variantId": water, "counted": 1_000_000}}}, nil); err != nil {
		return nil, err
	}
	if err := c.Call("POST", "/shifts/open", map[string]any{"merchantId": mid, "openingFloat": 500000}, nil); err != nil {
		return nil, err
	}
	// The order: 2 bánh mì (tracked), a cà phê sữa đá size L little sugar (untracked, two
	// required modifiers), a bottle of water (tracked). Take-away.
	order, err := json.Marshal(map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{
		{"variantId": banhmi, "quantity": 2},
		{"variantId": coffee, "quantity": 1, "modifierIds": []string{size, sugar}},
		{"variantId": water, "quantity": 1},
	}})
	if err != nil {
		return nil, err
	}
	// The till knows the total before it sells at the counter: learn it from a draft, cancelled.
	var draft orderView
	if err := c.Call("POST", "/sale-orders", json.RawMessage(order), &draft); err != nil {
		return nil, err
	}
	if err := c.Call("POST", "/sale-orders/"+draft.ID+"/cancel", map[string]any{"reason": "priced"}, nil); err != nil {
		return nil, err
	}
	var body map[string]any
	if err := json.Unmarshal(order, &body); err != nil {
		return nil, err
	}
	body["tenders"] = []map[string]any{{"method": "CASH", "amount": draft.Total, "tendered": tenderedFor(draft.Total)}}
	sale, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return &flow{c: c, order: order, sale: sale, total: draft.Total}, nil
}

// tenderedFor is the cash a customer hands over: the total rounded up to 10,000 VND.
func tenderedFor(total int64) int64 { return (total + 9999) / 10000 * 10000 }

// drain waits (up to a minute) until River has no job available or running. It returns how
// many statements it ran to find out.
func drain(ctx context.Context, d *db.DB) (int, error) {
	deadline := time.Now().Add(time.Minute)
	for polls := 1; ; polls++ {
		var n int
		err := d.R.NewSelect().TableExpr("river_job").ColumnExpr("count(*)").Where("state IN ('available', 'running')").Scan(ctx, &n)
		if err != nil {
			return polls, fmt.Errorf("count pending jobs: %w", err)
		}
		if n == 0 {
			return polls, nil
		}
		if time.Now().After(deadline) {
			log.Printf("jobs: %d still pending after a minute", n)
			return polls, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func jobStates(ctx context.Context, d *db.DB) (map[string]int, error) {
	var rows []struct {
		State string `bun:"state"`
		Kind  string `bun:"kind"`
		N     int    `bun:"n"`
	}
	err := d.R.NewSelect().TableExpr("river_job").ColumnExpr("state, kind, count(*) AS n").Group("state", "kind").Scan(ctx, &rows)
	out := map[string]int{}
	for _, r := range rows {
		out[r.State+" "+r.Kind] = r.N
	}
	return out, err
}

func summarize(v []int64) stmtCount {
	if len(v) == 0 {
		return stmtCount{}
	}
	freq := map[int64]int{}
	var sum int64
	s := stmtCount{lo: v[0], hi: v[0]}
	for _, x := range v {
		freq[x]++
		sum += x
		s.lo, s.hi = min(s.lo, x), max(s.hi, x)
	}
	for x, n := range freq {
		if n > freq[s.mode] || (n == freq[s.mode] && x < s.mode) {
			s.mode = x
		}
	}
	s.mean = float64(sum) / float64(len(v))
	return s
}

// flow is the checkout flow of one order.
type flow struct {
	c       *benchkit.Client
	order   []byte
	counter bool   // a counter sale: the order with its cash tender in one request
	sale    []byte // the counter sale's body: the order and a CASH tender of total
	total   int64  // the order's total, learned when the café is seeded
}

type orderView struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Total    int64  `json:"total"`
	Items    []any  `json:"items"`
	Payments []struct {
		Method    string `json:"method"`
		Status    string `json:"status"`
		Amount    int64  `json:"amount"`
		Tendered  int64  `json:"tendered"`
		ChangeDue int64  `json:"changeDue"`
	} `json:"payments"`
}

// flowError is a failed flow: its kind (the step and what went wrong) and the answer.
type flowError struct {
	kind, body string
}

func (e *flowError) Error() string { return e.kind + ": " + e.body }

// once runs one order: create, then checkout paying cash. after is called after each step
// (for counting); lat receives the latency of each step.
func (f *flow) once(key string, after func(step string), lat func(step string, d time.Duration)) error {
	if f.counter {
		return f.sell(key, after, lat)
	}
	t0 := time.Now()
	st, b, err := f.c.Do("POST", "/sale-orders", key+"-create", f.order)
	d := time.Since(t0)
	if after != nil {
		after("create")
	}
	if err != nil {
		return &flowError{kind: "create: transport", body: err.Error()}
	}
	if st != http.StatusCreated {
		return &flowError{kind: "create: " + strconv.Itoa(st), body: string(b)}
	}
	var o orderView
	if err := json.Unmarshal(b, &o); err != nil || o.ID == "" || o.Total <= 0 || len(o.Items) != 3 || o.Status != "DRAFT" {
		return &flowError{kind: "create: unexpected order", body: string(b)}
	}
	if lat != nil {
		lat("create", d)
	}
	tendered := tenderedFor(o.Total)
	body, err := json.Marshal(map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": o.Total, "tendered": tendered}}})
	if err != nil {
		return err
	}
	t1 := time.Now()
	st, b, err = f.c.Do("POST", "/sale-orders/"+o.ID+"/checkout", key+"-checkout", body)
	d = time.Since(t1)
	if after != nil {
		after("checkout")
	}
	if err := paid("checkout", http.StatusOK, st, b, err, o.Total); err != nil {
		return err
	}
	if lat != nil {
		lat("checkout", d)
		lat("flow", time.Since(t0))
	}
	return nil
}

// paid checks the answer of the request that pays an order (step checkout or sale): the status
// want, the order PAID or COMPLETED with its 3 lines and the total, and one succeeded CASH
// payment of the total with the tender rounded up and the right change.
func paid(step string, want, status int, body []byte, err error, total int64) error {
	if err != nil {
		return &flowError{kind: step + ": transport", body: err.Error()}
	}
	if status != want {
		return &flowError{kind: step + ": " + strconv.Itoa(status), body: string(body)}
	}
	var p orderView
	if err := json.Unmarshal(body, &p); err != nil {
		return &flowError{kind: step + ": bad JSON", body: string(body)}
	}
	if p.Status != "PAID" && p.Status != "COMPLETED" {
		return &flowError{kind: step + ": status " + p.Status, body: string(body)}
	}
	tendered := tenderedFor(total)
	if len(p.Items) != 3 || p.Total != total || len(p.Payments) != 1 || p.Payments[0].Method != "CASH" || p.Payments[0].Status != "SUCCEEDED" ||
		p.Payments[0].Amount != total || p.Payments[0].Tendered != tendered || p.Payments[0].ChangeDue != tendered-total {
		return &flowError{kind: step + ": wrong order, payment or change", body: string(body)}
	}
	return nil
}

// sell runs one counter sale: the order with its cash tender in one request, answered PAID or
// COMPLETED with one succeeded cash payment of the total and the right change. Its latency is
// reported as the step "sale".
func (f *flow) sell(key string, after func(step string), lat func(step string, d time.Duration)) error {
	t0 := time.Now()
	st, b, err := f.c.Do("POST", "/sale-orders", key+"-sale", f.sale)
	d := time.Since(t0)
	if after != nil {
		after("sale")
	}
	if err := paid("sale", http.StatusCreated, st, b, err, f.total); err != nil {
		return err
	}
	if lat != nil {
		lat("sale", d)
		lat("flow", d)
	}
	return nil
}

// load runs clients closed loops of the flow for length, client i ordering at shop i modulo
// their number.
func load(shops []*flow, clients int, length time.Duration, phase string) loadResult {
	type clientLat struct{ flow, create, co []time.Duration }
	lats := make([]clientLat, clients)
	var ok, failed atomic.Int64
	var mu sync.Mutex
	kinds, samples := map[string]int{}, map[string]string{}
	deadline := time.Now().Add(length)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, f := &lats[i], shops[i%len(shops)]
			record := func(step string, d time.Duration) {
				switch step {
				case "create", "sale":
					l.create = append(l.create, d)
				case "checkout":
					l.co = append(l.co, d)
				default:
					l.flow = append(l.flow, d)
				}
			}
			for n := 0; time.Now().Before(deadline); n++ {
				err := f.once(fmt.Sprintf("%s-%d-%d", phase, i, n), nil, record)
				if err == nil {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				kind := err.Error()
				var fe *flowError
				if errors.As(err, &fe) {
					kind = fe.kind
				}
				mu.Lock()
				kinds[kind]++
				if _, seen := samples[kind]; !seen {
					samples[kind] = truncate(err.Error(), 600)
					log.Printf("%s: %s", phase, samples[kind])
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r := loadResult{elapsed: time.Since(start), ok: ok.Load(), failed: failed.Load(), errors: kinds, samples: samples}
	for _, l := range lats {
		r.flow, r.create, r.co = append(r.flow, l.flow...), append(r.create, l.create...), append(r.co, l.co...)
	}
	slices.Sort(r.flow)
	slices.Sort(r.create)
	slices.Sort(r.co)
	return r
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// cpuSnap is a reading of CPU time: this process (server and load generator), its children
// (pgbench), and the whole machine.
type cpuSnap struct {
	proc, children time.Duration
	busy, total    time.Duration // the machine's
}

// cpuUse is CPU used over a window, in cores.
type cpuUse struct {
	proc, children, postgres, machine float64
}

// other is what the rest of the machine used: other processes, other databases, PostgreSQL's
// shared background processes.
func (u cpuUse) other() float64 { return max(0, u.machine-u.proc-u.children-u.postgres) }

func snapCPU() cpuSnap {
	s := cpuSnap{proc: benchkit.SelfCPU(), children: benchkit.ChildrenCPU()}
	s.busy, s.total, _ = benchkit.MachineCPU()
	return s
}

// findBackends returns the pids of the PostgreSQL backends of a database: a backend's command
// line names it ("postgres: ... user dbname host(port) state").
func findBackends(dbName string) []int {
	if dbName == "" {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.HasPrefix(cmd, []byte("postgres: ")) && bytes.Contains(cmd, []byte(" "+dbName+" ")) {
			out = append(out, pid)
		}
	}
	return out
}

// cpuMeter measures CPU over a window. It reads the database's backends every 250 ms (pgbench's
// exit when it ends, and their time goes with them) and looks for new ones every second.
type cpuMeter struct {
	db      string
	start   cpuSnap
	t0      time.Time
	first   map[int]time.Duration // backends alive at the start: their time then
	last    map[int]time.Duration // every backend seen: its latest time
	done    chan struct{}
	stopped chan struct{}
}

func startCPU(dbName string) *cpuMeter {
	m := &cpuMeter{db: dbName, first: map[int]time.Duration{}, last: map[int]time.Duration{},
		done: make(chan struct{}), stopped: make(chan struct{})}
	for _, pid := range findBackends(dbName) {
		if t, err := benchkit.ProcessCPU(pid); err == nil {
			m.first[pid], m.last[pid] = t, t
		}
	}
	m.start, m.t0 = snapCPU(), time.Now()
	go func() {
		defer close(m.stopped)
		if dbName == "" {
			<-m.done
			return
		}
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
			m.read(n%4 == 0)
		}
	}()
	return m
}

// read updates the backends' times, looking for new backends too when scan is set.
func (m *cpuMeter) read(scan bool) {
	if scan {
		for _, pid := range findBackends(m.db) {
			if _, seen := m.last[pid]; !seen {
				m.last[pid] = 0 // born in the window: from 0
			}
		}
	}
	for pid := range m.last {
		if t, err := benchkit.ProcessCPU(pid); err == nil {
			m.last[pid] = t
		}
	}
}

// stop ends the window and returns the cores used in it.
func (m *cpuMeter) stop() cpuUse {
	close(m.done)
	<-m.stopped
	if m.db != "" {
		m.read(true)
	}
	end := snapCPU()
	d := time.Since(m.t0).Seconds()
	u := cpuUse{proc: (end.proc - m.start.proc).Seconds() / d, children: (end.children - m.start.children).Seconds() / d}
	var pg time.Duration
	for pid, t := range m.last {
		pg += t - m.first[pid]
	}
	u.postgres = pg.Seconds() / d
	if end.total > m.start.total {
		u.machine = float64(end.busy-m.start.busy) / float64(end.total-m.start.total) * float64(runtime.NumCPU())
	}
	return u
}

// waitQuiet waits up to max for a second in which the rest of the machine used under 0.3 cores.
func waitQuiet(limit time.Duration, dbName string) {
	deadline := time.Now().Add(limit)
	for {
		m := startCPU(dbName)
		time.Sleep(time.Second)
		other := m.stop().other()
		if other < 0.3 {
			return
		}
		if time.Now().After(deadline) {
			log.Printf("the machine is busy: other work used %.1f cores; measuring anyway", other)
			return
		}
	}
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// activity is what PostgreSQL's backends of one database were doing, summed over samples.
type activity struct {
	samples                     int
	lockWait, inTx, busy, total int
	byQuery                     map[string]int // lock waits by the start of the waiting statement
}

type activitySampler struct {
	done chan struct{}
	out  chan *activity
}

// sampleActivity reads pg_stat_activity every 100 ms on a connection of its own (not BANA's, so
// not counted as BANA's statements) until stop.
func sampleActivity(ctx context.Context, adminURL, dbName string) (*activitySampler, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, err
	}
	s := &activitySampler{done: make(chan struct{}), out: make(chan *activity, 1)}
	go func() {
		defer conn.Close(context.Background())
		a := &activity{byQuery: map[string]int{}}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				s.out <- a
				return
			case <-tick.C:
			}
			rows, err := conn.Query(ctx, `SELECT state, coalesce(wait_event_type, ''), left(regexp_replace(query, '\s+', ' ', 'g'), 48)
				FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, dbName)
			if err != nil {
				continue
			}
			a.samples++
			for rows.Next() {
				var state, wait, q string
				if rows.Scan(&state, &wait, &q) != nil {
					continue
				}
				a.total++
				switch {
				case state == "active" && wait == "Lock":
					a.lockWait++
					a.byQuery[q]++
				case state == "idle in transaction":
					a.inTx++
				case state == "active":
					a.busy++
				}
			}
			rows.Close()
		}
	}()
	return s, nil
}

func (s *activitySampler) stop() *activity {
	close(s.done)
	return <-s.out
}

// newPgbench makes pgbench's TPC-B data set (scale 10) in a scratch database of the same server.
func newPgbench(ctx context.Context, o options) (*benchkit.Pgbench, error) {
	log.Printf("pgbench: init -s 10")
	return benchkit.NewPgbench(ctx, o.pgbench, o.pgURL, "bana_bench_pgbench_", 10)
}

// runPgbench runs TPC-B with as many clients as the load for as long, once the machine is
// quiet, and measures the CPU it takes.
func runPgbench(ctx context.Context, o options, pb *benchkit.Pgbench) (pgbenchRun, error) {
	secs := strconv.Itoa(int(o.duration.Seconds()))
	waitQuiet(o.quietWait, pb.DB.Name)
	log.Printf("pgbench: -c %d -j 2 -T %s -n", o.clients, secs)
	meter := startCPU(pb.DB.Name)
	tps, err := pb.Run(ctx, "-c", strconv.Itoa(o.clients), "-j", "2", "-T", secs, "-n")
	cpu := meter.stop()
	return pgbenchRun{tps: tps, cpu: cpu}, err
}

type pgbenchRun struct {
	tps float64
	cpu cpuUse
}

func render(o options, run runInfo, rs []*targetResult) string {
	var tps float64
	for _, t := range run.pgbench {
		tps += t.tps / float64(len(run.pgbench))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Checkout benchmark (sale)\n\n")
	fmt.Fprintf(&b, "Run %s, %s/%s, %d CPUs, Go %s. `go run ./bench/sale -duration %s -clients %d -sequential %d -sqlite=%t`. "+
		"Load average %s before the run, %s after.\n\n",
		run.start.UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), strings.TrimPrefix(runtime.Version(), "go"),
		o.duration, o.clients, o.sequential, o.sqlite, run.loadBefore, run.loadAfter)
	fmt.Fprintf(&b, "One order is two requests over loopback HTTP with a bearer token (the organizer's owner), each with its own Idempotency-Key: "+
		"`POST /api/sale-orders` (take-away, 3 lines of the demo café: 2 × BM-THIT and 1 × NS-500, both stock-tracked, and 1 × CF-SUA with "+
		"the required SIZE and SUGAR modifiers), then `POST /api/sale-orders/{id}/checkout` with one CASH tender of the total, tendered "+
		"rounded up to 10,000 VND. An order counts when the checkout answers PAID or COMPLETED with one succeeded cash payment of the "+
		"total and the right change. %d clients in closed loops for %s after a %s warm-up; the server runs in the load generator's process.\n\n",
		o.clients, o.duration, o.warmup)
	fmt.Fprintf(&b, "- **one café**: every client sells at the same café, as the tills of one busy shop would: every order takes the "+
		"café's next order number and reserves the same two stock items, so orders contend on those rows.\n")
	fmt.Fprintf(&b, "- **%d cafés**: each client sells at a café of its own (one organizer each): no row is shared between clients, "+
		"the server's and the database's capacity without contention.\n", o.clients)
	fmt.Fprintf(&b, "- **counter sale**, at one café and at %d: the same order sold in **one request**, `POST /api/sale-orders` with the "+
		"lines and the CASH tender (`tenders`), which creates, checks out and pays it in one transaction, as a café's till rings up "+
		"and takes cash in one tap (the till knows the total: here from a draft priced when the café was seeded). An order counts "+
		"when it answers PAID or COMPLETED with the same checks.\n\n", o.clients)

	fmt.Fprintf(&b, "| database | scenario | orders/s | p50 | p95 | p99 | errors | vs pgbench TPC-B |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		for _, sc := range r.scenarios {
			ratio := "n/a"
			if tps > 0 {
				ratio = fmt.Sprintf("%.2f", sc.load.rate()/tps)
				if r.target == "postgres" {
					ratio = "**" + ratio + "**"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s | %d | %s |\n", r.target, sc.name, sc.load.rate(),
				ms(sc.load.flow.Pct(0.50)), ms(sc.load.flow.Pct(0.95)), ms(sc.load.flow.Pct(0.99)), sc.load.failed, ratio)
		}
	}
	fmt.Fprintf(&b, "\nLatency of the whole flow (both requests, or the one request of a counter sale) of the orders that succeeded, "+
		"seen by the client (nearest rank). Per request (a counter sale's one request under *create*):\n\n")
	fmt.Fprintf(&b, "| database | scenario | create p50 | create p99 | checkout p50 | checkout p99 |\n|---|---|---:|---:|---:|---:|\n")
	for _, r := range rs {
		for _, sc := range r.scenarios {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.target, sc.name, msOf(sc.load.create, 0.5), msOf(sc.load.create, 0.99),
				msOf(sc.load.co, 0.5), msOf(sc.load.co, 0.99))
		}
	}
	secs := int(o.duration.Seconds())
	switch {
	case len(run.pgbench) == 2:
		fmt.Fprintf(&b, "\npgbench TPC-B on the same PostgreSQL (scale 10, `-c %d -j 2 -T %d -n`): **%.0f tps** right before the PostgreSQL "+
			"scenarios, **%.0f tps** right after; the ratios are against their mean, %.0f tps.\n", o.clients, secs, run.pgbench[0].tps, run.pgbench[1].tps, tps)
	case tps > 0:
		fmt.Fprintf(&b, "\npgbench TPC-B on the same PostgreSQL (scale 10, `-c %d -j 2 -T %d -n`): **%.0f tps**.\n", o.clients, secs, tps)
	case run.pgbenchErr != nil:
		fmt.Fprintf(&b, "\npgbench failed: %v\n", run.pgbenchErr)
	}
	for _, r := range rs {
		if r.target != "postgres" || tps == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n**Target of issue 7** (PostgreSQL: >= 0.5 of pgbench TPC-B tps, p99 under 50 ms, no errors):\n\n")
		for _, sc := range r.scenarios {
			ratio, p99 := sc.load.rate()/tps, sc.load.flow.Pct(0.99)
			verdict := "**met**"
			if ratio < 0.5 || p99 >= 50*time.Millisecond || sc.load.failed > 0 || sc.load.ok == 0 {
				verdict = "**not met**"
			}
			fmt.Fprintf(&b, "- %s: %s: %.2f of TPC-B, p99 %s, %d errors.\n", sc.name, verdict, ratio, ms(p99), sc.load.failed)
		}
	}

	fmt.Fprintf(&b, "\n## Where the time goes\n\n")
	fmt.Fprintf(&b, "One order at a time (the statement-counting pass below: one client, no other requests):\n\n")
	fmt.Fprintf(&b, "| database | create p50 | checkout p50 | order p50 | one client's ceiling | counter sale p50 | its ceiling |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		c, k, one := r.seqCreate.Pct(0.5), r.seqCheckout.Pct(0.5), r.seqSale.Pct(0.5)
		ceiling := func(d time.Duration) string {
			if d <= 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.0f orders/s", 1/d.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.target, ms(c), ms(k), ms(c+k), ceiling(c+k), ms(one), ceiling(one))
	}
	for _, r := range rs {
		for _, sc := range r.scenarios {
			a := sc.pg
			if a == nil || a.samples == 0 {
				continue
			}
			n := float64(a.samples)
			fmt.Fprintf(&b, "\nPostgreSQL's backends of BANA's database during the %s load (`pg_stat_activity`, %d samples every 100 ms), on average: "+
				"%.1f connections, **%.1f waiting for a row lock**, %.1f idle in a transaction (waiting for BANA's next statement), %.1f running.",
				sc.name, a.samples, float64(a.total)/n, float64(a.lockWait)/n, float64(a.inTx)/n, float64(a.busy)/n)
			if len(a.byQuery) == 0 {
				fmt.Fprintf(&b, "\n")
				continue
			}
			qs := slices.SortedFunc(maps.Keys(a.byQuery), func(x, y string) int { return a.byQuery[y] - a.byQuery[x] })
			fmt.Fprintf(&b, " The lock waits, by statement:\n\n")
			for _, q := range qs[:min(len(qs), 5)] {
				fmt.Fprintf(&b, "- %.1f on `%s…`\n", float64(a.byQuery[q])/n, strings.ReplaceAll(q, "`", "'"))
			}
		}
	}
	for _, r := range rs {
		if len(r.scans) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nTables of BANA's PostgreSQL database read most by sequential scans over the whole run, seeding included "+
			"(`pg_stat_user_tables`; on a table of a few hundred rows a sequential scan is the planner's right choice, it matters as the table grows):\n\n| table | sequential scans | rows they read | index scans | rows now |\n|---|---:|---:|---:|---:|\n")
		for _, t := range r.scans {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", t.Table, t.SeqScans, t.SeqRows, t.IndexScans, t.LiveRows)
		}
	}
	if o.sqlite {
		fmt.Fprintf(&b, "\nOn SQLite every write transaction holds the database's single write connection from BEGIN to COMMIT, so the "+
			"transactions of create and checkout run one after the other whatever the number of clients or cafés.\n")
	}

	fmt.Fprintf(&b, "\n## SQL statements per order\n\n")
	fmt.Fprintf(&b, "Counted by `db.DB.Statements()`: every statement BANA's database handles send, from every user of the connections "+
		"(bun, the driver-level handles, River), BEGIN and COMMIT included, preparing excluded. After the loads, once River has no job left "+
		"to run, the run measures the background over %s with no requests (River polling its queues), then creates and checks out %d "+
		"orders one at a time at the first café, reading the counter around each request. A request's own count is the **mode** over "+
		"the orders (background statements only ever add to it; min-max shown). *All, per order* is the counter from the first order of "+
		"that pass until River had no job left, minus the background rate over that time, per order: the requests and the jobs they "+
		"caused (an estimate: on SQLite River's polling waits for the write connection while a request holds it). Jobs still "+
		"scheduled at the end (see Details) run after the run and are not counted. Then as many counter sales, one at a time, "+
		"counted around their one request.\n\n",
		o.idle, o.sequential)
	fmt.Fprintf(&b, "| database | create | checkout | order (both requests) | all, per order | background | counter sale (one request) |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | **%d** (%d-%d) | **%d** (%d-%d) | **%d** | %.1f | %.0f /s | **%d** (%d-%d) |\n", r.target,
			r.create.mode, r.create.lo, r.create.hi, r.checkout.mode, r.checkout.lo, r.checkout.hi, r.create.mode+r.checkout.mode,
			r.attributed, r.idleRate, r.sale.mode, r.sale.lo, r.sale.hi)
	}
	fmt.Fprintf(&b, "\nUnder load, the counter over each measured window divided by the orders that succeeded (background, jobs and failed "+
		"attempts included):")
	for _, r := range rs {
		for _, sc := range r.scenarios {
			if sc.load.ok > 0 {
				fmt.Fprintf(&b, " %s %s %.1f;", r.target, sc.name, float64(sc.stmts)/float64(sc.load.ok))
			}
		}
	}
	fmt.Fprintf(&b, "\n")

	fmt.Fprintf(&b, "\n## Details\n\n")
	fmt.Fprintf(&b, "CPU used over each measured window, in cores of %d: this process (BANA's server and the load generator), pgbench, "+
		"the PostgreSQL backends of the database measured, and everything else on the machine (other work, other databases, "+
		"PostgreSQL's shared WAL writer and checkpointer). When *rest of the machine* is high, the figures of that window are low "+
		"by about that share.\n\n", runtime.NumCPU())
	fmt.Fprintf(&b, "| window | result | this process | pgbench | PostgreSQL backends | rest of the machine |\n|---|---:|---:|---:|---:|---:|\n")
	cpuRow := func(name, result string, u cpuUse) {
		fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %.2f | %.2f |\n", name, result, u.proc, u.children, u.postgres, u.other())
	}
	pgDone := 0
	for _, r := range rs {
		if r.target == "postgres" && len(run.pgbench) > 0 {
			cpuRow("pgbench before", fmt.Sprintf("%.0f tps", run.pgbench[0].tps), run.pgbench[0].cpu)
			pgDone = 1
		}
		for _, sc := range r.scenarios {
			cpuRow(r.target+", "+sc.name, fmt.Sprintf("%.0f orders/s", sc.load.rate()), sc.cpu)
		}
	}
	for _, p := range run.pgbench[pgDone:] {
		cpuRow("pgbench after", fmt.Sprintf("%.0f tps", p.tps), p.cpu)
	}
	fmt.Fprintf(&b, "\nThe load generator shares this process and the machine's cores with the server and PostgreSQL (pgbench is lean C).\n")
	fmt.Fprintf(&b, "\nRiver's jobs at the end, by state and kind, for every order of the run (`scheduled`: due later, such as expiries; `retryable` or `discarded`: jobs that failed):\n\n")
	for _, r := range rs {
		var js []string
		for _, k := range slices.Sorted(maps.Keys(r.jobs)) {
			js = append(js, fmt.Sprintf("%s %d", k, r.jobs[k]))
		}
		fmt.Fprintf(&b, "- %s: %s\n", r.target, strings.Join(js, ", "))
	}
	for _, r := range rs {
		for _, sc := range r.scenarios {
			if sc.load.failed == 0 {
				continue
			}
			fmt.Fprintf(&b, "\nErrors on %s, %s (%d):\n\n", r.target, sc.name, sc.load.failed)
			for _, k := range slices.Sorted(maps.Keys(sc.load.errors)) {
				fmt.Fprintf(&b, "- %s: %d, e.g. `%s`\n", k, sc.load.errors[k], strings.ReplaceAll(sc.load.samples[k], "`", "'"))
			}
		}
		if r.seqErrors > 0 {
			fmt.Fprintf(&b, "\n%d orders failed in the one-client pass on %s (see the log).\n", r.seqErrors, r.target)
		}
	}
	fmt.Fprintf(&b, "\nThe machine is shared and small; compare ratios within one run, not absolute numbers across runs.\n")
	return b.String()
}

// msOf is a percentile of l in milliseconds, or a dash when l is empty.
func msOf(l benchkit.Latencies, p float64) string {
	if len(l) == 0 {
		return "–"
	}
	return ms(l.Pct(p))
}

func ms(d time.Duration) string { return benchkit.Millis(d, 1) }
