package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Targets of issue 2 and CONVENTIONS.md.
const (
	pgbenchTarget = 0.30      // BANA's list on PostgreSQL / pgbench -S tps
	baselineAim   = 0.70      // BANA's list / the hand-written Go baseline
	idleRSSTarget = 100 << 20 // bytes
)

// row is one line of the report's tables: a load through HTTP or a pgbench run.
type row struct {
	Name                  string
	RPS                   float64
	P50, P95, P99, AvgLat time.Duration
	Errors                int64
	RSSIdle, RSSAfter     int64
	CPU                   cpuUse
	HasServer             bool
	Background            float64
}

// perRequest is the CPU one request cost the server, the load generator and PostgreSQL.
func (r row) perRequest() (server, all time.Duration) {
	if r.RPS <= 0 || r.CPU.Machine == 0 {
		return 0, 0
	}
	per := func(cores float64) time.Duration { return time.Duration(cores / r.RPS * float64(time.Second)) }
	return per(r.CPU.Server), per(r.CPU.Server + r.CPU.LoadGen + r.CPU.Postgres)
}

// dedicated is the throughput the machine's cores would give if nothing else ran on them: its
// cores divided by the CPU a request costs the server, the load generator and PostgreSQL. It
// hardly moves when other processes take a share of the machine during a run.
func (r row) dedicated() float64 {
	_, all := r.perRequest()
	if all <= 0 {
		return 0
	}
	return float64(runtime.NumCPU()) / all.Seconds()
}

func (r *report) rows() []row {
	var out []row
	for _, t := range r.Targets {
		out = append(out, row{Name: t.Database + ": " + t.Name, RPS: t.Load.RPS(), P50: t.Load.P50, P95: t.Load.P95,
			P99: t.Load.P99, Errors: int64(t.Load.Errors), RSSIdle: t.RSSIdle, RSSAfter: t.RSSAfter, CPU: t.CPU,
			HasServer: true, Background: t.Background})
	}
	for _, p := range []struct {
		name string
		res  *pgbenchResult
	}{{"PostgreSQL: pgbench running the list's SQL", r.PgbenchList}, {"PostgreSQL: `pgbench -S`", r.Pgbench}} {
		if p.res != nil {
			out = append(out, row{Name: p.name, RPS: p.res.TPS, AvgLat: p.res.LatencyAvg, Errors: p.res.Failed,
				CPU: p.res.CPU, Background: p.res.Background})
		}
	}
	return out
}

func (r *report) find(database, kind string) *targetResult {
	for _, t := range r.Targets {
		if t.Database == database && t.Kind == kind {
			return t
		}
	}
	return nil
}

func mb(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}

func ms(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func us(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func passFail(ok bool) string {
	if ok {
		return "**PASS**"
	}
	return "**FAIL**"
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// markdown renders the report.
func (r *report) markdown() string {
	o := r.Opts
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# BANA platform benchmark, %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	machine := fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if m := cpuModel(); m != "" {
		machine += " (" + m + ")"
	}
	w("- Binary: %s", orDash(r.Version))
	if r.Source != "" {
		w(" (working tree at %s)", r.Source)
	}
	w("; load generator built with %s; machine: %s", runtime.Version(), machine)
	if r.Postgres != "" {
		w("; PostgreSQL %s", r.Postgres)
	}
	w(".\n")
	w("- Load: closed loop, **%d concurrent workers**, each with one keep-alive HTTP/1.1 connection on loopback; "+
		"%s warm-up (not measured), then %s measured. Any answer but 200 counts as an error. "+
		"The load generator, the server and PostgreSQL share the machine's CPUs; pgbench runs with as many clients "+
		"as there are workers.\n", o.Concurrency, o.Warmup, o.Duration)
	w("- Data: %d configurations across %d organizers, seeded through the API as SUPER_ADMIN; three in five codes "+
		"start with `%s`, half the rows belong to a merchant, a mix of TEXT, NUMBER, BOOLEAN, JSON and SECRET values.\n",
		o.Rows, o.Organizers, listPrefix)
	w("- List: `GET /api/configurations?filter={\"where\":{\"organizerId\":\"<org>\",\"code\":{\"startsWith\":\"%s\"}},"+
		"\"order\":[\"code ASC\"],\"limit\":%d}` as that organizer's ORGANIZER_OWNER (bearer JWT); each worker cycles "+
		"through the organizers. Its answers were checked first (rows, order, tenant scope, redaction) on every target.\n",
		listPrefix, listLimit)
	w("- Server: `bana serve` with APP_ENV_NODE_ENV=production, APP_ENV_LOG_LEVEL=warn (no access log lines), " +
		"default pool sizes, a fresh data directory or database.\n\n")

	rows := r.rows()
	w("| target | requests/s | p50 | p95 | p99 | errors | RSS idle | RSS after |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range rows {
		if x.HasServer {
			w("| %s | %.0f | %s | %s | %s | %d | %s | %s |\n", x.Name, x.RPS, ms(x.P50), ms(x.P95), ms(x.P99),
				x.Errors, mb(x.RSSIdle), mb(x.RSSAfter))
		} else {
			w("| %s (tps) | %.0f | avg %s | – | – | %d | – | – |\n", x.Name, x.RPS, ms(x.AvgLat), x.Errors)
		}
	}
	w("\nRSS idle: after start and seeding, before any load. RSS after: after every load of that server.\n\n")

	w("### Where the CPU went\n\n")
	w("| target | server | loadgen | postgres | other | server CPU per request | all three per request | on %d dedicated cores |\n",
		runtime.NumCPU())
	w("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range rows {
		if x.CPU.Machine == 0 {
			w("| %s | – | – | – | – | – | – | – |\n", x.Name)
			continue
		}
		server, all := x.perRequest()
		sv := "–"
		if x.HasServer {
			sv = fmt.Sprintf("%.2f", x.CPU.Server)
		} else {
			server = 0
		}
		w("| %s | %s | %.2f | %.2f | %.2f | %s | %s | %.0f/s |\n", x.Name, sv, x.CPU.LoadGen, x.CPU.Postgres,
			x.CPU.Other, us(server), us(all), x.dedicated())
	}
	w("\nCores used on average over the measured window, from /proc: the server process, the load generator (for "+
		"pgbench: pgbench itself), every postgres process, and the rest of the machine. \"On %d dedicated cores\" is "+
		"%d cores divided by the CPU a request costs the server, the load generator and PostgreSQL together: what the "+
		"machine would do with nothing else running, and a figure that hardly moves when other work takes a share of it.\n\n",
		runtime.NumCPU(), runtime.NumCPU())

	w("## Targets\n\n")
	pgList := r.find("PostgreSQL", "list")
	var pgListRow, baseRow, pgbRow, listSQLRow *row
	for i := range rows {
		switch {
		case pgList != nil && rows[i].Name == "PostgreSQL: "+pgList.Name:
			pgListRow = &rows[i]
		case strings.HasPrefix(rows[i].Name, "PostgreSQL: Go baseline"):
			baseRow = &rows[i]
		case rows[i].Name == "PostgreSQL: `pgbench -S`":
			pgbRow = &rows[i]
		case strings.HasPrefix(rows[i].Name, "PostgreSQL: pgbench running"):
			listSQLRow = &rows[i]
		}
	}
	ratio := func(a, b *row, what, aim string, target float64) {
		if a == nil || b == nil || b.RPS <= 0 {
			return
		}
		m := a.RPS / b.RPS
		w("- %s: %.0f / %.0f = **%.1f%%**", what, a.RPS, b.RPS, m*100)
		if aim != "" {
			w(" (%s >= %.0f%%): %s", aim, target*100, passFail(m >= target))
		}
		if da, db := a.dedicated(), b.dedicated(); da > 0 && db > 0 {
			w("; on dedicated cores %.1f%%", da/db*100)
			if aim != "" {
				w(": %s", passFail(da/db >= target))
			}
		}
		w("\n")
	}
	switch {
	case pgListRow != nil && pgbRow != nil:
		ratio(pgListRow, pgbRow, "BANA list on PostgreSQL / `pgbench -S`", "target", pgbenchTarget)
	case r.PgbenchErr != "":
		w("- BANA list on PostgreSQL / `pgbench -S`: not measured, pgbench failed: %s\n", firstLine(r.PgbenchErr))
	default:
		w("- BANA list on PostgreSQL / `pgbench -S`: not measured (no PostgreSQL in this run)\n")
	}
	ratio(pgListRow, baseRow, "BANA list on PostgreSQL / the Go baseline (net/http + pgx, same SQL)",
		"CONVENTIONS.md's aim for catalog lists", baselineAim)
	ratio(baseRow, pgbRow, "The Go baseline / `pgbench -S` (what HTTP and a Go server cost before any framework)", "", 0)
	ratio(pgListRow, listSQLRow, "BANA list on PostgreSQL / pgbench running the list's SQL (the database's ceiling "+
		"for this query, no HTTP)", "", 0)
	ratio(listSQLRow, pgbRow, "pgbench running the list's SQL / `pgbench -S` (how much heavier the list's query is "+
		"than a one-row lookup)", "", 0)
	for _, db := range []string{"SQLite", "PostgreSQL"} {
		if t := r.find(db, "list"); t != nil {
			w("- Idle resident memory on %s: %s (target < %s): %s\n",
				db, mb(t.RSSIdle), mb(idleRSSTarget), passFail(t.RSSIdle > 0 && t.RSSIdle < idleRSSTarget))
		}
	}
	for _, db := range []string{"SQLite", "PostgreSQL"} {
		if l, h := r.find(db, "list"), r.find(db, "health"); l != nil && h != nil && h.Load.RPS() > 0 {
			w("- %s: list / GET /health = %.1f%% (the share of a trivial route's throughput the list keeps)\n",
				db, l.Load.RPS()/h.Load.RPS()*100)
		}
	}

	w("\n## Details\n\n")
	for _, t := range r.Targets {
		if t.Kind == "health" {
			continue
		}
		w("- %s %s: %d requests in %s, max latency %s, answer %d bytes", t.Database, t.Name,
			t.Load.Requests, t.Load.Elapsed.Round(time.Millisecond), ms(t.Load.Max), t.BodyBytes)
		if t.RSSStart > 0 {
			w(", RSS at start %s", mb(t.RSSStart))
		}
		w(", peak RSS %s", mb(t.RSSPeak))
		if t.Seed > 0 {
			w(", seeding took %s (%.0f creates/s)", t.Seed.Round(time.Millisecond), float64(o.Rows)/t.Seed.Seconds())
		}
		if t.Profile != "" {
			w(", CPU profile in `%s`", t.Profile)
		}
		w(".\n")
	}
	for _, t := range r.Targets {
		if len(t.Load.ErrorKinds) == 0 {
			continue
		}
		var kinds []string
		for k, n := range t.Load.ErrorKinds {
			kinds = append(kinds, fmt.Sprintf("%s x%d", k, n))
		}
		sort.Strings(kinds)
		w("- Errors of %s %s: %s.\n", t.Database, t.Name, strings.Join(kinds, "; "))
	}
	if p := r.PgbenchList; p != nil {
		w("- pgbench running the list's SQL: `%s` on BANA's database after BANA's runs, after a %s warm-up run; "+
			"list.sql is the SELECT BANA's query layer builds for the list (organizer drawn at random per "+
			"transaction); %d transactions.\n", p.Command, o.Warmup, p.Processed)
	}
	if p := r.Pgbench; p != nil {
		w("- pgbench -S: `%s` on a scale-%d data set in a database of its own, after a %s warm-up run; "+
			"%d transactions.\n", p.Command, o.PgbenchScale, o.Warmup, p.Processed)
	}
	w("- Before each load the run waits up to %s for the rest of the machine to use less than %.1f cores.\n",
		o.QuietWait, quietThreshold)
	var noisy []string
	for _, x := range rows {
		if x.Background >= quietThreshold || x.CPU.Other >= quietThreshold {
			noisy = append(noisy, fmt.Sprintf("%s (%.2f cores)", x.Name, max(x.Background, x.CPU.Other)))
		}
	}
	if len(noisy) > 0 {
		w("- **Other processes used %.1f cores or more during: %s.** Their requests/s are low by roughly that share "+
			"of the machine; the \"dedicated cores\" figures are not.\n", quietThreshold, strings.Join(noisy, ", "))
	}
	for _, n := range r.Notes {
		w("- %s\n", n)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
