// Command benchrun is BANA's platform load benchmark (`make bench`). It starts the real
// `bin/bana serve` on loopback, on SQLite and, when a PostgreSQL URL is set, on PostgreSQL too;
// seeds configurations through the API; drives a closed-loop load of filtered lists and of
// /health; runs `pgbench -S` on the same PostgreSQL in the same run, and a hand-written Go
// baseline (net/http + pgx, the same SQL) for the ceiling of Go on that work; and writes a
// Markdown report with throughput, latency percentiles, errors, memory and CPU use, and the
// ratios the targets are set in.
//
// Settings: BANA_BENCH_POSTGRES_URL, else BANA_TEST_POSTGRES_URL, is a PostgreSQL server on
// loopback whose user may create databases; the run creates its databases there
// (bana_bench_<random>) and drops them at the end. Without either, only SQLite runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/banapos/bana/bench/benchkit"
)

// options are the command's flags.
type options struct {
	Bin          string
	Pgbench      string
	Duration     time.Duration
	Warmup       time.Duration
	Concurrency  int
	Rows         int
	Organizers   int
	Only         string
	Out          string
	PgbenchScale int
	Baseline     bool
	CPUProfile   string
	QuietWait    time.Duration
	PostgresURL  string // from the environment
}

func main() {
	if addr := os.Getenv(baselineAddrEnv); addr != "" {
		// Started by a run of this command as the hand-written baseline server.
		benchkit.ExitOnError("benchrun baseline", serveBaseline(addr))
		return
	}
	benchkit.Main("benchrun", run)
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fs.StringVar(&o.Bin, "bin", "bin/bana", "the `bana` binary to measure (make build makes it)")
	fs.StringVar(&o.Pgbench, "pgbench", "pgbench", "the pgbench `command`")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured time of each load")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured time before each load")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "concurrent workers (closed loop), also pgbench's clients")
	fs.IntVar(&o.Rows, "rows", 2000, "configurations to seed")
	fs.IntVar(&o.Organizers, "organizers", 20, "organizers the rows are spread across")
	fs.StringVar(&o.Only, "only", "", "run one database only: sqlite or postgres")
	fs.StringVar(&o.Out, "out", "", "report `file` (default bench/results/platform-<date>.md)")
	fs.IntVar(&o.PgbenchScale, "pgbench-scale", 10, "pgbench -i scale factor")
	fs.BoolVar(&o.Baseline, "baseline", true, "also measure the hand-written Go baseline on PostgreSQL")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "save a CPU profile of the server during each list load into `dir`; "+
		"needs a server with /debug/pprof (-bin bin/benchserve, built from ./bench/cmd/benchserve)")
	fs.DurationVar(&o.QuietWait, "quiet-wait", 20*time.Second, "before each load, wait up to this long for other processes "+
		"on the machine to use less than 0.2 cores")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.Duration < time.Second || o.Duration > 10*time.Minute:
		return nil, errors.New("-duration must be between 1s and 10m")
	case o.Warmup < 0 || o.Warmup > time.Minute:
		return nil, errors.New("-warmup must be between 0 and 1m")
	case o.Concurrency < 1 || o.Concurrency > 512:
		return nil, errors.New("-concurrency must be between 1 and 512")
	case o.Organizers < 1 || o.Organizers > 1000:
		return nil, errors.New("-organizers must be between 1 and 1000")
	case o.Rows < o.Organizers || o.Rows > 1_000_000:
		return nil, errors.New("-rows must be between -organizers and 1000000")
	case o.QuietWait < 0 || o.QuietWait > 10*time.Minute:
		return nil, errors.New("-quiet-wait must be between 0 and 10m")
	case o.PgbenchScale < 1 || o.PgbenchScale > 1000:
		return nil, errors.New("-pgbench-scale must be between 1 and 1000")
	case o.Only != "" && o.Only != "sqlite" && o.Only != "postgres":
		return nil, errors.New("-only must be sqlite or postgres")
	}
	o.PostgresURL = benchkit.PostgresURL()
	if o.Only == "postgres" && o.PostgresURL == "" {
		return nil, errors.New("-only postgres needs BANA_BENCH_POSTGRES_URL or BANA_TEST_POSTGRES_URL")
	}
	if o.PostgresURL != "" && o.Only != "sqlite" {
		if err := benchkit.CheckLoopback(o.PostgresURL); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// report is everything one run measured.
type report struct {
	Started    time.Time
	Opts       *options
	Version    string
	Source     string // the commit of the working tree, when it is a git checkout
	Postgres   string // server version, empty when PostgreSQL did not run
	Targets    []*targetResult
	Pgbench    *pgbenchResult // pgbench -S on its own data set
	PgbenchErr string
	// PgbenchList is pgbench running the measured list's SQL on BANA's database.
	PgbenchList *pgbenchResult
	Notes       []string
}

func run(ctx context.Context, args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	bin, err := filepath.Abs(o.Bin)
	if err != nil {
		return err
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		return fmt.Errorf("%s not found: run `make build` (or `make bench`, which builds it) first", o.Bin)
	}
	rep := &report{Started: time.Now().UTC(), Opts: o}
	if out, err := exec.CommandContext(ctx, bin, "version").Output(); err == nil {
		rep.Version = strings.TrimSpace(string(out))
	}
	rep.Source = sourceVersion(ctx)
	if o.CPUProfile != "" {
		if err := os.MkdirAll(o.CPUProfile, 0o755); err != nil {
			return err
		}
	}
	f, err := newFixture(o)
	if err != nil {
		return err
	}
	runPG := o.PostgresURL != "" && o.Only != "sqlite"
	if o.Only != "postgres" {
		res, err := runTarget(ctx, o, f, bin, "SQLite", "")
		if err != nil {
			return fmt.Errorf("SQLite: %w", err)
		}
		rep.Targets = append(rep.Targets, res...)
	}
	if runPG {
		if rep.Postgres, err = serverVersion(ctx, o.PostgresURL); err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		if _, err := exec.LookPath(o.Pgbench); err != nil {
			rep.PgbenchErr = fmt.Sprintf("%s not found (-pgbench names it)", o.Pgbench)
			o.Pgbench = ""
		}
		res, pl, err := runPostgres(ctx, o, f, bin)
		if err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		rep.Targets = append(rep.Targets, res...)
		rep.PgbenchList = pl
		if o.Pgbench != "" {
			pb, err := runPgbench(ctx, o)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				rep.PgbenchErr = err.Error()
			} else {
				rep.Pgbench = &pb
			}
		}
	} else if o.Only != "sqlite" {
		rep.Notes = append(rep.Notes, "PostgreSQL was not measured: set BANA_BENCH_POSTGRES_URL or BANA_TEST_POSTGRES_URL.")
	}
	md := rep.markdown()
	out := o.Out
	if out == "" {
		out = filepath.Join("bench", "results", "platform-"+rep.Started.Format("2006-01-02-1504")+".md")
	}
	if err := benchkit.WriteReport(out, md); err != nil {
		return err
	}
	fmt.Print(md)
	logf("report written to %s", out)
	return nil
}

// runPostgres measures BANA, the Go baseline and pgbench running the list's SQL on one fresh
// database, dropped at the end.
func runPostgres(ctx context.Context, o *options, f *fixture, bin string) (res []*targetResult, pl *pgbenchResult, err error) {
	d, err := benchkit.CreateDatabase(ctx, o.PostgresURL, "bana_bench_")
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if derr := d.Drop(); derr != nil && err == nil {
			err = fmt.Errorf("drop database %s: %w", d.Name, derr)
		}
	}()
	if res, err = runTarget(ctx, o, f, bin, "PostgreSQL", d.URL); err != nil {
		return nil, nil, err
	}
	if o.Baseline {
		b, err := runBaseline(ctx, o, f, d.URL)
		if err != nil {
			return nil, nil, fmt.Errorf("baseline: %w", err)
		}
		res = append(res, b)
	}
	if o.Pgbench == "" {
		return res, nil, nil
	}
	p, err := runPgbenchList(ctx, o, f, d.URL)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		// Like pgbench -S, a reference that fails is reported, not fatal.
		logf("pgbench running the list's SQL failed: %v", err)
		return res, nil, nil
	}
	return res, &p, nil
}

// sourceVersion names the commit of the working tree (the binary is usually built from it) and
// whether it had uncommitted changes; empty when git or a checkout is missing.
func sourceVersion(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	head, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	v := "commit " + strings.TrimSpace(string(head))
	if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		v += " with uncommitted changes"
	}
	return v
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchrun: "+format+"\n", args...)
}

// get is a bounded GET for set-up and checks (not for the measured load).
func get(ctx context.Context, client *http.Client, url, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := readAll(resp)
	return resp.StatusCode, body, err
}
