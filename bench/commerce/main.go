// Command commerce measures GET /api/products/lookup, the scan of a till, over HTTP against the
// real `bana serve` on loopback, on SQLite and on PostgreSQL, next to references measured in
// the same run:
//
//   - a hand-written baseline (net/http, pgx or database/sql, the same SQL, the same token check
//     and the same JSON; no framework), the ceiling for Go on that work on this machine;
//   - pgbench -S on the same PostgreSQL, the ceiling of the database for one-row reads.
//
// It seeds a catalog through the API (products with a SKU and an EAN-13, a quarter with a UPC-A,
// a tenth sold by weight under a PLU), then drives a closed loop of lookups mixing SKUs, EAN-13,
// UPC-A and weighed-item labels, and writes a Markdown report.
//
//	go run ./bench/commerce                        # SQLite, and PostgreSQL when a URL is set
//	go run ./bench/commerce -duration 20s -concurrency 16 -products 20000
//
// PostgreSQL: BANA_BENCH_POSTGRES_URL, else BANA_TEST_POSTGRES_URL (a loopback server whose user
// may create databases; the run creates bana_lookup_<random> and drops it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/banapos/bana/bench/benchkit"
)

type options struct {
	Bin         string
	Duration    time.Duration
	Warmup      time.Duration
	Concurrency int
	Rounds      int
	Products    int
	Only        string
	Out         string
	Pgbench     string
	PostgresURL string
}

func main() {
	if os.Getenv(baselineAddrEnv) != "" {
		benchkit.ExitOnError("commerce baseline", serveBaseline())
		return
	}
	benchkit.Main("commerce bench", run)
}

func run(ctx context.Context, args []string) error {
	o := &options{}
	fs := flag.NewFlagSet("commerce", flag.ContinueOnError)
	fs.StringVar(&o.Bin, "bin", "", "the `bana` binary to measure (default: built from ./cmd/bana into a temporary folder)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured time of each load")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured time before each load")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "concurrent clients (closed loop), also pgbench's")
	fs.IntVar(&o.Rounds, "rounds", 3, "alternating rounds of bana and baseline; each side's best counts")
	fs.IntVar(&o.Products, "products", 5000, "products to seed")
	fs.StringVar(&o.Only, "only", "", "one database only: sqlite or postgres")
	fs.StringVar(&o.Out, "out", "", "report `file` (default bench/commerce/results/lookup-<date>.md)")
	fs.StringVar(&o.Pgbench, "pgbench", "pgbench", "the pgbench `command` (empty: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.PostgresURL = benchkit.PostgresURL()
	if o.Out == "" {
		o.Out = filepath.Join("bench", "commerce", "results", "lookup-"+time.Now().Format("2006-01-02")+".md")
	}
	work, err := os.MkdirTemp("", "bana-lookup-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if o.Bin == "" {
		o.Bin = filepath.Join(work, "bana")
		fmt.Fprintln(os.Stderr, "building ./cmd/bana")
		if err := benchkit.BuildBana(ctx, o.Bin); err != nil {
			return fmt.Errorf("go build ./cmd/bana: %w", err)
		}
	}
	rep := &report{Options: *o, Started: time.Now(), CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if o.Only != "postgres" {
		r, err := measure(ctx, o, work, "sqlite")
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		rep.Targets = append(rep.Targets, r)
	}
	if o.Only != "sqlite" {
		if o.PostgresURL == "" {
			if o.Only == "postgres" {
				return errors.New("set BANA_BENCH_POSTGRES_URL or BANA_TEST_POSTGRES_URL")
			}
			fmt.Fprintln(os.Stderr, "no PostgreSQL URL: PostgreSQL skipped")
		} else {
			r, err := measure(ctx, o, work, "postgres")
			if err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			rep.Targets = append(rep.Targets, r)
		}
	}
	md := rep.markdown()
	fmt.Print(md)
	if err := benchkit.WriteReport(o.Out, md); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "report written to", o.Out)
	return nil
}

// targetResult is what one database gave.
type targetResult struct {
	Name     string
	Seed     time.Duration
	Codes    map[string]int // codes in the mix, by kind
	Bana     loadResult     // the best round
	Baseline loadResult
	// BanaRounds and BaselineRounds are every round's requests per second.
	BanaRounds, BaselineRounds []float64
	Pgbench                    *pgbenchResult
	Memory                     string
}

// measure seeds and loads one database.
func measure(ctx context.Context, o *options, work, target string) (*targetResult, error) {
	dir := filepath.Join(work, target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	res := &targetResult{Name: target}
	env := map[string]string{
		"APP_ENV_NODE_ENV":           "development",
		"APP_ENV_DATA_DIR":           dir,
		"APP_ENV_APPLICATION_SECRET": benchkit.RandomHex(24),
		"APP_ENV_JWT_SECRET":         benchkit.RandomHex(24),
		"APP_ENV_LOG_LEVEL":          "warn",
	}
	dsn := filepath.Join(dir, "bana.db")
	if target == "postgres" {
		if err := benchkit.CheckLoopback(o.PostgresURL); err != nil {
			return nil, err
		}
		tdb, err := benchkit.CreateDatabase(ctx, o.PostgresURL, "bana_lookup_")
		if err != nil {
			return nil, err
		}
		defer tdb.Drop()
		dsn = tdb.URL
		env["APP_ENV_POSTGRES_URL"] = dsn
		env["APP_ENV_POSTGRES_MAX_CONNS"] = fmt.Sprint(max(20, 2*o.Concurrency))
	}
	srv, err := startBana(ctx, o.Bin, dir, env)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	fmt.Fprintf(os.Stderr, "%s: seeding %d products\n", target, o.Products)
	start := time.Now()
	fx, err := seed(ctx, srv.Root, env["APP_ENV_JWT_SECRET"], o.Products)
	if err != nil {
		return nil, err
	}
	res.Seed = time.Since(start)
	res.Codes = fx.kinds()
	if target == "postgres" {
		// A running database has statistics (autovacuum keeps them); freshly seeded tables do
		// not yet, and the planner would scan them whole.
		if err := benchkit.Exec(ctx, dsn, "ANALYZE"); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "%s: seeded in %s\n", target, res.Seed.Round(time.Millisecond))
	base, err := startBaseline(ctx, dir, target, dsn, env["APP_ENV_JWT_SECRET"])
	if err != nil {
		return nil, err
	}
	defer base.Stop()
	// The machine is shared: rounds alternate bana and the baseline, and each keeps its best
	// round, so that a burst of outside work does not land on one side only.
	for round := 1; round <= o.Rounds; round++ {
		fmt.Fprintf(os.Stderr, "%s: round %d/%d\n", target, round, o.Rounds)
		b, err := load(ctx, srv.Root, fx, o)
		if err != nil {
			return nil, err
		}
		res.BanaRounds = append(res.BanaRounds, b.RPS())
		if b.RPS() > res.Bana.RPS() {
			res.Bana = b
		}
		bl, err := load(ctx, base.Root, fx, o)
		if err != nil {
			return nil, err
		}
		res.BaselineRounds = append(res.BaselineRounds, bl.RPS())
		if bl.RPS() > res.Baseline.RPS() {
			res.Baseline = bl
		}
	}
	res.Memory = memory(srv.Pid())
	if err := srv.Stop(); err != nil {
		return nil, err
	}
	if target == "postgres" && o.Pgbench != "" {
		if _, err := exec.LookPath(o.Pgbench); err == nil {
			fmt.Fprintf(os.Stderr, "%s: pgbench -S\n", target)
			pr, err := runPgbench(ctx, o)
			if err != nil {
				fmt.Fprintln(os.Stderr, "pgbench:", err)
			} else {
				res.Pgbench = pr
			}
		}
	}
	return res, nil
}

func (r *report) markdown() string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "# Product lookup benchmark (%s)\n\n", r.Started.Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "`GET /api/products/lookup?merchantId=&code=` with an owner's bearer token, closed loop, %d clients, %s measured after %s of warm-up, "+
		"%d rounds alternating bana and the baseline (the best round of each is shown); %d products seeded through the API. %d CPUs, %s. "+
		"Server, baseline, database and load generator share the machine (with whatever else runs on it).\n\n",
		o.Concurrency, o.Duration, o.Warmup, o.Rounds, o.Products, r.CPUs, r.GoVersion)
	b.WriteString("Codes looked up: a random mix of SKUs (some lower-case), EAN-13, UPC-A (12 digits, stored as EAN-13) and weighed-item labels " +
		"(prefix 20: PLU + price; a second query reads the merchant's barcode setting).\n\n")
	b.WriteString("| database | server | req/s | p50 | p95 | p99 | errors | vs baseline |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range r.Targets {
		ratio := 0.0
		if t.Baseline.RPS() > 0 {
			ratio = t.Bana.RPS() / t.Baseline.RPS()
		}
		fmt.Fprintf(&b, "| %s | bana | %.0f | %s | %s | %s | %d | %.0f%% |\n", t.Name, t.Bana.RPS(), ms(t.Bana.P(50)), ms(t.Bana.P(95)), ms(t.Bana.P(99)), t.Bana.Errors, ratio*100)
		fmt.Fprintf(&b, "| %s | baseline | %.0f | %s | %s | %s | %d | 100%% |\n", t.Name, t.Baseline.RPS(), ms(t.Baseline.P(50)), ms(t.Baseline.P(95)), ms(t.Baseline.P(99)), t.Baseline.Errors)
	}
	b.WriteString("\n")
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "- %s: seeding took %s; mix %v; req/s by round: bana %s, baseline %s; bana's resident memory after the load %s.",
			t.Name, t.Seed.Round(time.Millisecond), t.Codes, rounds(t.BanaRounds), rounds(t.BaselineRounds), t.Memory)
		if t.Pgbench != nil {
			fmt.Fprintf(&b, " pgbench -S (scale 1, %d clients, same server): %.0f tps, bana's lookups per second are %.0f%% of it "+
				"(each lookup is an HTTP request with a JWT and 3 statements: identity's and commerce's revocation checks and the join; a weighed label one more).",
				o.Concurrency, t.Pgbench.TPS, 100*t.Bana.RPS()/t.Pgbench.TPS)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nThe baseline verifies the same HS256 token and permission, runs the same revocation check and lookup SQL (from the same candidates) " +
		"and writes the same JSON, on net/http with pgx (PostgreSQL) or database/sql (SQLite) and nothing else. It does not run identity's " +
		"revocation check, which bana runs on every bearer request.\n")
	return b.String()
}

type report struct {
	Options   options
	Started   time.Time
	CPUs      int
	GoVersion string
	Targets   []*targetResult
}

func rounds(l []float64) string {
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(s, " / ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
