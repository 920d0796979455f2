package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/jackc/pgx/v5"
)

// serverVersion asks PostgreSQL for its version.
func serverVersion(ctx context.Context, adminURL string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var v string
	err = conn.QueryRow(cctx, "SHOW server_version").Scan(&v)
	return v, err
}

// pgbenchResult is what `pgbench -S` measured.
type pgbenchResult struct {
	TPS        float64
	LatencyAvg time.Duration
	Failed     int64
	Processed  int64
	CPU        cpuUse // LoadGen is pgbench itself
	Background float64
	Command    string // the command line, without the connection string
}

var (
	tpsRe       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	latencyRe   = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	failedRe    = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
	processedRe = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
)

// runPgbench initializes a pgbench data set of the scale in a database of its own and measures
// `pgbench -S` (select only) on it with as many clients as the load has workers.
func runPgbench(ctx context.Context, o *options) (res pgbenchResult, err error) {
	d, err := benchkit.CreateDatabase(ctx, o.PostgresURL, "bana_bench_pgbench_")
	if err != nil {
		return res, err
	}
	defer func() {
		if derr := d.Drop(); derr != nil && err == nil {
			err = fmt.Errorf("drop database %s: %w", d.Name, derr)
		}
	}()
	if _, err = pgbenchCmd(ctx, 10*time.Minute, o.Pgbench, nil, "-i", "-q", "-s", strconv.Itoa(o.PgbenchScale), d.URL); err != nil {
		return res, fmt.Errorf("pgbench -i: %w", err)
	}
	return pgbenchMeasure(ctx, o, "pgbench -S", d.URL, "-S")
}

// runPgbenchList measures, with pgbench, the SQL BANA runs for the measured list, on the
// database BANA was measured on: the database's own ceiling for that query, with no HTTP.
func runPgbenchList(ctx context.Context, o *options, f *fixture, dbURL string) (pgbenchResult, error) {
	dir, err := os.MkdirTemp("", "bana-bench-pgbench-")
	if err != nil {
		return pgbenchResult{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "list.sql")
	body := fmt.Sprintf("\\set org random(%d, %d)\n%s%d;\n", int64(f.Orgs[0]), int64(f.Orgs[len(f.Orgs)-1]),
		strings.NewReplacer("$1", ":org", "$2", "'"+listPrefix+"%'", "$3", ":org").Replace(baselineSQL), listLimit)
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		return pgbenchResult{}, err
	}
	res, err := pgbenchMeasure(ctx, o, "pgbench, the list's SQL", dbURL, "-M", "prepared", "-f", script)
	res.Command = strings.Replace(res.Command, script, "list.sql", 1)
	return res, err
}

// pgbenchMeasure runs a warm-up and then the measured run of pgbench with args, with as many
// clients as the load has workers, and reads its figures.
func pgbenchMeasure(ctx context.Context, o *options, what, dbURL string, args ...string) (res pgbenchResult, err error) {
	args = append([]string{"-n", "-c", strconv.Itoa(o.Concurrency), "-j", strconv.Itoa(min(2, o.Concurrency))}, args...)
	if o.Warmup >= time.Second {
		wargs := append(append([]string{}, args...), "-T", strconv.Itoa(int(o.Warmup.Seconds())), dbURL)
		if _, err = pgbenchCmd(ctx, o.Warmup+time.Minute, o.Pgbench, nil, wargs...); err != nil {
			return res, fmt.Errorf("%s warm-up: %w", what, err)
		}
	}
	secs := max(1, int(o.Duration.Round(time.Second).Seconds()))
	margs := append(append([]string{}, args...), "-T", strconv.Itoa(secs), dbURL)
	res.Command = "pgbench " + strings.Join(margs[:len(margs)-1], " ")
	res.Background = waitQuiet(ctx, 0, o.QuietWait, what)
	// CPU is sampled inside the run, from its first to its last half second, while pgbench and
	// its backends are alive.
	var before, after cpuSnapshot
	sample := func(ctx context.Context, pid int) {
		if secs < 2 {
			return
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return
		}
		before = snapshot(0, pid)
		select {
		case <-time.After(time.Duration(secs)*time.Second - time.Second):
		case <-ctx.Done():
			return
		}
		after = snapshot(0, pid)
	}
	logf("%s: %d clients, %s warm-up, %s measured", what, o.Concurrency, o.Warmup, o.Duration)
	out, err := pgbenchCmd(ctx, o.Duration+time.Minute, o.Pgbench, sample, margs...)
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	if !before.at.IsZero() && !after.at.IsZero() {
		res.CPU = cpuBetween(before, after)
	}
	m := tpsRe.FindStringSubmatch(out)
	if m == nil {
		return res, fmt.Errorf("no tps in the output of pgbench:\n%s", out)
	}
	res.TPS, _ = strconv.ParseFloat(m[1], 64)
	if m := latencyRe.FindStringSubmatch(out); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		res.LatencyAvg = time.Duration(ms * float64(time.Millisecond))
	}
	if m := failedRe.FindStringSubmatch(out); m != nil {
		res.Failed, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := processedRe.FindStringSubmatch(out); m != nil {
		res.Processed, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return res, nil
}

// pgbenchCmd runs pgbench, bounded by timeout, and returns its output. While it runs,
// during(ctx, pid) is called (when not nil) with a context that ends with pgbench;
// pgbenchCmd returns after both have ended.
func pgbenchCmd(ctx context.Context, timeout time.Duration, pgbench string, during func(context.Context, int), args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, pgbench, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan struct{})
	running, stop := context.WithCancel(cctx)
	if during != nil {
		go func() {
			defer close(done)
			during(running, cmd.Process.Pid)
		}()
	} else {
		close(done)
	}
	err := cmd.Wait()
	stop()
	<-done
	if err != nil {
		return out.String(), fmt.Errorf("%w\n%s", err, out.String())
	}
	return out.String(), nil
}
