// Command events measures durable event throughput: events per second from Publish (each in its
// own transaction, written with its delivery jobs) to handled (the subscriber's effect committed
// with its receipt), with one and two worker processes, on SQLite and PostgreSQL, next to pgbench
// TPC-B on the same PostgreSQL in the same run.
//
//	go run ./bench/events [-events 2000] [-publishers 8] [-only sqlite|postgres]
//
// PostgreSQL comes from BANA_BENCH_POSTGRES_URL or BANA_TEST_POSTGRES_URL (a server URL whose user
// may create databases); each run makes its own databases and drops them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing/fstest"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
)

type sold struct {
	Seq    int   `json:"seq"`
	Amount int64 `json:"amount"`
}

func (sold) EventName() string { return "BenchSold" }
func (sold) EventVersion() int { return 1 }

var effects = db.Migrations{Module: "bench", FS: fstest.MapFS{"0001_bench.sql": {Data: []byte(`-- +up
CREATE TABLE bench_effects (event_id BIGINT PRIMARY KEY, amount BIGINT NOT NULL, worker TEXT NOT NULL);
-- +down
DROP TABLE bench_effects;
`)}}}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "work" {
		if err := work(os.Args[2], os.Args[3], os.Args[4]); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		return
	}
	n := flag.Int("events", 2000, "events per measurement")
	pubs := flag.Int("publishers", 8, "concurrent publishers")
	only := flag.String("only", "", "sqlite or postgres")
	flag.Parse()
	if err := run(*n, *pubs, *only); err != nil {
		fmt.Fprintln(os.Stderr, "events bench:", err)
		os.Exit(1)
	}
}

type target struct {
	name string
	opts db.Options
}

func open(ctx context.Context, t target) (*db.DB, *jobs.Client, *events.Bus, error) {
	d, err := db.Open(ctx, t.opts)
	if err != nil {
		return nil, nil, nil, err
	}
	ids, _ := id.NewGenerator(int64(os.Getpid()%1000), id.DefaultEpoch)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	j := jobs.New(d, jobs.Options{Logger: log, FetchPollInterval: 20 * time.Millisecond})
	bus := events.New(d, j, ids, log)
	me := "worker-" + strconv.Itoa(os.Getpid())
	events.Subscribe(bus, "finance.bench", func(ctx context.Context, ev sold, m events.Meta) error {
		_, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO bench_effects (event_id, amount, worker) VALUES (?, ?, ?)"), int64(m.ID), ev.Amount, me)
		return err
	})
	m, err := db.NewMigrator(d, j.Migrations(), bus.Migrations(), effects)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := m.Up(ctx); err != nil {
		return nil, nil, nil, err
	}
	return d, j, bus, nil
}

// work runs one worker process until the effects reach want or the deadline passes.
func work(kind, dsn, wantS string) error {
	want, _ := strconv.Atoi(wantS)
	t := target{opts: db.Options{SQLitePath: dsn, MaxConns: 20}}
	if kind == "postgres" {
		t.opts = db.Options{PostgresDSN: dsn, MaxConns: 20}
	}
	ctx := context.Background()
	d, j, _, err := open(ctx, t)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := j.Start(ctx); err != nil {
		return err
	}
	fmt.Println("ready")
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var c int
		if err := d.R.QueryRowContext(ctx, "SELECT count(*) FROM bench_effects").Scan(&c); err == nil && c >= want {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return j.Stop(sctx)
}

// newPG makes a scratch database on the server of admin and returns its URL and a drop.
func newPG(ctx context.Context, admin, prefix string) (string, func(), error) {
	d, err := benchkit.CreateDatabase(ctx, admin, prefix)
	if err != nil {
		return "", nil, err
	}
	return d.URL, func() { _ = d.Drop() }, nil
}

type result struct {
	target    string
	processes int
	events    int
	elapsed   time.Duration
}

func measure(ctx context.Context, t target, kind, dsn string, procs, n, pubs int) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	d, _, bus, err := open(ctx, t)
	if err != nil {
		return result{}, err
	}
	defer d.Close()
	var cmds []*exec.Cmd
	var wg sync.WaitGroup
	errc := make(chan error, procs)
	for p := 0; p < procs; p++ {
		c := exec.Command(self, "work", kind, dsn, strconv.Itoa(n))
		c.Stderr = os.Stderr
		out, _ := c.StdoutPipe()
		if err := c.Start(); err != nil {
			return result{}, err
		}
		buf := make([]byte, 6)
		if _, err := io.ReadFull(out, buf); err != nil {
			return result{}, fmt.Errorf("worker did not start: %w", err)
		}
		cmds = append(cmds, c)
		wg.Add(1)
		go func() { defer wg.Done(); errc <- c.Wait() }()
	}
	start := time.Now()
	var pwg sync.WaitGroup
	per := n / pubs
	for p := 0; p < pubs; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			for i := 0; i < per; i++ {
				if _, err := bus.Publish(ctx, sold{Seq: p*per + i, Amount: 35000}); err != nil {
					errc <- err
					return
				}
			}
		}(p)
	}
	pwg.Wait()
	wg.Wait()
	elapsed := time.Since(start)
	close(errc)
	for err := range errc {
		if err != nil {
			return result{}, err
		}
	}
	var handled, distinct int
	_ = d.R.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT event_id) FROM bench_effects").Scan(&handled, &distinct)
	if handled != per*pubs || distinct != handled {
		return result{}, fmt.Errorf("%d effects (%d distinct) for %d events", handled, distinct, per*pubs)
	}
	_ = cmds
	return result{target: t.name, processes: procs, events: per * pubs, elapsed: elapsed}, nil
}

func pgbenchTPCB(ctx context.Context, admin string) (float64, error) {
	pb, err := benchkit.NewPgbench(ctx, "pgbench", admin, "bana_pgbench_", 10)
	if err != nil {
		return 0, err
	}
	defer pb.Drop()
	return pb.Run(ctx, "-c", "8", "-j", "2", "-T", "10", "-n")
}

func run(n, pubs int, only string) error {
	ctx := context.Background()
	admin := benchkit.PostgresURL()
	var results []result
	for _, kind := range []string{"sqlite", "postgres"} {
		if only != "" && only != kind {
			continue
		}
		if kind == "postgres" && admin == "" {
			fmt.Println("postgres: skipped (set BANA_TEST_POSTGRES_URL)")
			continue
		}
		for _, procs := range []int{1, 2} {
			var dsn string
			var drop func()
			t := target{name: kind}
			if kind == "sqlite" {
				dir, err := os.MkdirTemp("", "bana-events-bench-")
				if err != nil {
					return err
				}
				dsn = filepath.Join(dir, "bench.db")
				drop = func() { os.RemoveAll(dir) }
				t.opts = db.Options{SQLitePath: dsn}
			} else {
				var err error
				if dsn, drop, err = newPG(ctx, admin, "bana_events_bench_"); err != nil {
					return err
				}
				t.opts = db.Options{PostgresDSN: dsn, MaxConns: 20}
			}
			r, err := measure(ctx, t, kind, dsn, procs, n, pubs)
			drop()
			if err != nil {
				return fmt.Errorf("%s, %d processes: %w", kind, procs, err)
			}
			results = append(results, r)
			fmt.Printf("%-8s %d worker process(es): %5d events in %6.2fs = %7.0f events/s (publish to handled)\n",
				r.target, r.processes, r.events, r.elapsed.Seconds(), float64(r.events)/r.elapsed.Seconds())
		}
	}
	if admin != "" && (only == "" || only == "postgres") {
		tps, err := pgbenchTPCB(ctx, admin)
		if err != nil {
			return err
		}
		fmt.Printf("pgbench TPC-B (scale 10, 8 clients, 10 s) on the same PostgreSQL: %.0f tps\n", tps)
		for _, r := range results {
			if r.target == "postgres" {
				fmt.Printf("ratio postgres %d process(es): %.2f of pgbench TPC-B tps\n", r.processes, float64(r.events)/r.elapsed.Seconds()/tps)
			}
		}
	}
	return nil
}
