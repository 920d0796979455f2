// Command identity measures the identity module under load on loopback: password sign-in
// (bcrypt-bound: the report names the cost), who-am-i with a bearer token, who-am-i with HTTP
// Basic (bcrypt once, then remembered), and /health, the trivial route, in the same run as the
// reference who-am-i is compared with. It also measures raw bcrypt at the same cost on all cores,
// the ceiling of sign-in.
//
//	go run ./bench/identity                      # SQLite
//	BANA_TEST_POSTGRES_URL=postgres://... go run ./bench/identity   # SQLite and PostgreSQL
//	go run ./bench/identity -duration 20s -concurrency 16 -out report.md
//
// It builds cmd/bana into a temporary folder (or uses -bin), starts `bana serve` there on a free
// loopback port with APP_ENV_NODE_ENV=production, fresh secrets and none of the caller's APP_ENV_*
// settings, signs -users sellers up through the API, checks every answer before it measures,
// and prints a Markdown report. With PostgreSQL it creates bana_bench_identity_<random> on the
// server of BANA_BENCH_POSTGRES_URL (else BANA_TEST_POSTGRES_URL), which must be on this
// machine, and drops it at the end.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/identity"
	"golang.org/x/crypto/bcrypt"
)

type options struct {
	bin         string
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	users       int
	only        string
	out         string
}

func main() {
	o := options{}
	flag.StringVar(&o.bin, "bin", "", "the bana binary (default: build ./cmd/bana into a temporary folder)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each load")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each load")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent clients (closed loop)")
	flag.IntVar(&o.users, "users", 8, "sellers to sign up and sign in as")
	flag.StringVar(&o.only, "only", "", "sqlite or postgres only")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/identity:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "bana-bench-identity-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.bin == "" {
		o.bin = filepath.Join(tmp, "bana")
		if err := benchkit.BuildBana(context.Background(), o.bin); err != nil {
			return fmt.Errorf("building cmd/bana (run from the repository root): %w", err)
		}
	}
	var report bytes.Buffer
	fmt.Fprintf(&report, "# Identity benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&report, "%d CPUs (%s), Go %s, %d closed-loop clients, %s per load after %s of warm-up, loopback.\n",
		runtime.NumCPU(), runtime.GOARCH, runtime.Version(), o.concurrency, o.duration, o.warmup)
	fmt.Fprintf(&report, "bcrypt cost %d (identity.DefaultBcryptCost, what `bana serve` uses outside tests).\n\n", identity.DefaultBcryptCost)

	targets := []string{"sqlite"}
	pgAdmin := benchkit.PostgresURL()
	if pgAdmin != "" {
		targets = append(targets, "postgres")
	}
	for _, tg := range targets {
		if o.only != "" && o.only != tg {
			continue
		}
		section, err := measureTarget(o, tg, tmp, pgAdmin)
		if err != nil {
			return fmt.Errorf("%s: %w", tg, err)
		}
		report.WriteString(section)
	}
	os.Stdout.Write(report.Bytes())
	if o.out != "" {
		return os.WriteFile(o.out, report.Bytes(), 0o644)
	}
	return nil
}

// bcryptRate runs bcrypt checks on every CPU for d.
func bcryptRate(cost int, d time.Duration) float64 {
	hash, _ := bcrypt.GenerateFromPassword([]byte("Cà phê sữa đá 2024"), cost)
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				_ = bcrypt.CompareHashAndPassword(hash, []byte("Cà phê sữa đá 2024"))
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

func measureTarget(o options, target, tmp, pgAdmin string) (string, error) {
	dir, err := os.MkdirTemp(tmp, target+"-")
	if err != nil {
		return "", err
	}
	env := map[string]string{
		"APP_ENV_NODE_ENV": "production", "APP_ENV_DATA_DIR": dir, "APP_ENV_LOG_LEVEL": "warn",
		"APP_ENV_APPLICATION_SECRET": benchkit.RandomHex(32), "APP_ENV_JWT_SECRET": benchkit.RandomHex(32), "APP_ENV_SERVER_HOST": "127.0.0.1",
	}
	if target == "postgres" {
		if err := benchkit.CheckLoopback(pgAdmin); err != nil {
			return "", err
		}
		d, err := benchkit.CreateDatabase(context.Background(), pgAdmin, "bana_bench_identity_")
		if err != nil {
			return "", err
		}
		defer d.Drop()
		env["APP_ENV_POSTGRES_URL"] = d.URL
	}
	port, err := benchkit.FreePort()
	if err != nil {
		return "", err
	}
	env["APP_ENV_SERVER_PORT"] = strconv.Itoa(port)
	srv, err := benchkit.StartServer(benchkit.ServerConfig{Bin: o.bin, Args: []string{"serve"}, Dir: dir, Env: env, Port: port})
	if err != nil {
		return "", err
	}
	defer srv.Stop()
	root := srv.Root
	if err := srv.WaitReady(context.Background(), http.DefaultClient, "/ready", 60*time.Second); err != nil {
		return "", err
	}
	c := benchkit.NewHTTPClient(o.concurrency)

	// Seed sellers and check every answer before measuring.
	type account struct{ ident, password, token string }
	var accounts []account
	for i := range o.users {
		a := account{ident: fmt.Sprintf("bench.%d.%s", i, benchkit.RandomHex(3)), password: "Bánh mì Hội An " + benchkit.RandomHex(4)}
		var s struct{ Token string }
		if err := call(c, "POST", root+"/api/auth/sign-up", "", map[string]any{"username": a.ident, "password": a.password}, 201, &s); err != nil {
			return "", fmt.Errorf("seeding: %w", err)
		}
		a.token = s.Token
		accounts = append(accounts, a)
	}
	var who struct{ UserID string }
	if err := call(c, "GET", root+"/api/auth/who-am-i", "Bearer "+accounts[0].token, nil, 200, &who); err != nil || who.UserID == "" {
		return "", fmt.Errorf("who-am-i check: %v %+v", err, who)
	}
	if err := call(c, "POST", root+"/api/auth/sign-in", "", map[string]any{"identifier": accounts[0].ident, "password": "wrong password"}, 401, nil); err != nil {
		return "", fmt.Errorf("wrong password check: %w", err)
	}

	var seq atomic.Int64
	loads := []struct {
		name string
		req  func() (*http.Request, int)
	}{
		{"GET /health (trivial route)", func() (*http.Request, int) {
			r, _ := http.NewRequest("GET", root+"/health", nil)
			return r, 200
		}},
		{"GET /api/auth/who-am-i (Bearer JWT)", func() (*http.Request, int) {
			a := accounts[seq.Add(1)%int64(len(accounts))]
			r, _ := http.NewRequest("GET", root+"/api/auth/who-am-i", nil)
			r.Header.Set("Authorization", "Bearer "+a.token)
			return r, 200
		}},
		{"GET /api/auth/who-am-i (Basic, remembered)", func() (*http.Request, int) {
			a := accounts[seq.Add(1)%int64(len(accounts))]
			r, _ := http.NewRequest("GET", root+"/api/auth/who-am-i", nil)
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.ident+":"+a.password)))
			return r, 200
		}},
		{fmt.Sprintf("POST /api/auth/sign-in (bcrypt cost %d)", identity.DefaultBcryptCost), func() (*http.Request, int) {
			a := accounts[seq.Add(1)%int64(len(accounts))]
			body, _ := json.Marshal(map[string]any{"identifier": a.ident, "password": a.password})
			r, _ := http.NewRequest("POST", root+"/api/auth/sign-in", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return r, 200
		}},
	}
	var out strings.Builder
	fmt.Fprintf(&out, "## %s\n\n| load | requests/s | p50 | p95 | p99 | errors |\n|---|---:|---:|---:|---:|---:|\n", map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[target])
	rates := map[int]float64{}
	var raw float64
	for i, l := range loads {
		if i == len(loads)-1 {
			// The reference of sign-in, measured just before it, on the same idle machine.
			raw = bcryptRate(identity.DefaultBcryptCost, 3*time.Second)
		}
		res := load(c, o, l.req)
		rates[i] = res.rate
		fmt.Fprintf(&out, "| %s | %.0f | %s | %s | %s | %d |\n", l.name, res.rate, ms(res.p(50)), ms(res.p(95)), ms(res.p(99)), res.errors)
		if res.errors > 0 {
			fmt.Fprintf(&out, "\nfirst error of %s: %s\n\n", l.name, res.firstErr)
		}
	}
	fmt.Fprintf(&out, "\nwho-am-i with a JWT runs at **%.0f%%** of the trivial route; sign-in at **%.0f%%** of raw bcrypt on all CPUs "+
		"(%.1f checks/s, measured in this process just before the sign-in load).\n\n",
		100*rates[1]/rates[0], 100*rates[3]/raw, raw)
	return out.String(), nil
}

type result struct {
	rate     float64
	lat      []time.Duration
	errors   int64
	firstErr string
}

func (r result) p(q int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, len(r.lat)*q/100)]
}

func ms(d time.Duration) string { return benchkit.Millis(d, 2) }

// load drives a closed loop of o.concurrency clients: warm-up, then o.duration measured.
func load(c *http.Client, o options, next func() (*http.Request, int)) result {
	var mu sync.Mutex
	var res result
	var n atomic.Int64
	start := time.Now()
	measureFrom, end := start.Add(o.warmup), start.Add(o.warmup+o.duration)
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for {
				now := time.Now()
				if now.After(end) {
					break
				}
				req, want := next()
				t := time.Now()
				resp, err := c.Do(req)
				d := time.Since(t)
				status := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				if !t.After(measureFrom) {
					continue
				}
				if err != nil || status != want {
					mu.Lock()
					res.errors++
					if res.firstErr == "" {
						res.firstErr = fmt.Sprintf("status %d, %v", status, err)
					}
					mu.Unlock()
					continue
				}
				n.Add(1)
				lat = append(lat, d)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(res.lat)
	res.rate = float64(n.Load()) / o.duration.Seconds()
	return res
}

func call(c *http.Client, method, u, authz string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, u, resp.StatusCode, want, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
