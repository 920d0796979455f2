package benchkit

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"time"
)

// Targets says where a benchmark runs: on SQLite, on the PostgreSQL server at PgURL, and pgbench
// TPC-B on that same server as the reference its ratios are quoted against.
type Targets struct {
	SQLite   bool          // run the SQLite target
	PgURL    string        // the PostgreSQL server (a user that may create databases); empty: none
	Pgbench  string        // the pgbench binary
	Clients  int           // pgbench -c: as many clients as the benchmark's load
	Duration time.Duration // pgbench -T
}

// RunTargets runs run on SQLite (target "sqlite", an empty URL) when t.SQLite, then on PostgreSQL
// (target "postgres", t.PgURL) when t.PgURL is set, with pgbench TPC-B (scale 10, in a scratch
// database) measured right before and right after it (AroundPgbench). It returns what run
// returned, in order, the pgbench tps figures and pgbench's failure, which does not stop the
// benchmark; err is run's, naming the target.
func RunTargets[R any](ctx context.Context, t Targets, run func(target, pgURL string) (R, error)) (results []R, tps []float64, pgbenchErr, err error) {
	if t.SQLite {
		r, err := run("sqlite", "")
		if err != nil {
			return results, nil, nil, fmt.Errorf("sqlite: %w", err)
		}
		results = append(results, r)
	}
	if t.PgURL == "" {
		return results, nil, nil, nil
	}
	tps, pgbenchErr, err = AroundPgbench(
		func() (*Pgbench, error) {
			log.Printf("pgbench: init -s 10")
			return NewPgbench(ctx, t.Pgbench, t.PgURL, "bana_bench_pgbench_", 10)
		},
		func(pb *Pgbench) (float64, error) {
			secs := strconv.Itoa(int(t.Duration.Seconds()))
			log.Printf("pgbench: -c %d -j 2 -T %s -n", t.Clients, secs)
			return pb.Run(ctx, "-c", strconv.Itoa(t.Clients), "-j", "2", "-T", secs, "-n")
		},
		func() error {
			r, err := run("postgres", t.PgURL)
			if err == nil {
				results = append(results, r)
			}
			return err
		})
	if err != nil {
		err = fmt.Errorf("postgres: %w", err)
	}
	return results, tps, pgbenchErr, err
}
