package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

// listPrefix is the code prefix the measured list filters on; seedRow gives it to three rows in
// five.
const listPrefix = "SHOP."

// listLimit is the page size of the measured list.
const listLimit = 20

// fixture is the data and credentials shared by every target of a run.
type fixture struct {
	JWTSecret string
	AppSecret string
	Admin     string   // SUPER_ADMIN token
	Orgs      []id.ID  // organizer ids
	Owners    []string // ORGANIZER_OWNER token of each organizer
	Matches   []int    // rows of each organizer that the list filter matches
	Lists     []string // the list URL path and query of each organizer
	Expected  [][]byte // filled by the first target: one answer per organizer, to compare others with
	mu        sync.Mutex
}

func newFixture(o *options) (*fixture, error) {
	f := &fixture{JWTSecret: benchkit.RandomHex(32), AppSecret: benchkit.RandomHex(32)}
	tokens, err := auth.NewTokens(f.JWTSecret, 2*time.Hour)
	if err != nil {
		return nil, err
	}
	// Long enough for any bounded run (quiet waits included); the secret dies with the run.
	const ttl = 6 * time.Hour
	f.Admin, _, err = tokens.Issue(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}}, ttl)
	if err != nil {
		return nil, err
	}
	f.Matches = make([]int, o.Organizers)
	for i := range o.Organizers {
		org := id.ID(7_100_000_000_000_000 + int64(i+1))
		f.Orgs = append(f.Orgs, org)
		tok, _, err := tokens.Issue(&auth.Principal{UserID: id.ID(8_100_000_000_000_000 + int64(i+1)),
			Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}}, ttl)
		if err != nil {
			return nil, err
		}
		f.Owners = append(f.Owners, tok)
		filter := fmt.Sprintf(`{"where":{"organizerId":"%s","code":{"startsWith":%q}},"order":["code ASC"],"limit":%d}`,
			org, listPrefix, listLimit)
		f.Lists = append(f.Lists, "/api/configurations?filter="+url.QueryEscape(filter))
	}
	for i := range o.Rows {
		if strings.HasPrefix(seedCode(i/o.Organizers), listPrefix) {
			f.Matches[i%o.Organizers]++
		}
	}
	return f, nil
}

// seedCode is the code of an organizer's j-th row: three in five are SHOP settings.
func seedCode(j int) string {
	switch j % 5 {
	case 3:
		return fmt.Sprintf("PAYMENT.METHOD_%05d", j)
	case 4:
		return fmt.Sprintf("INVOICE.FIELD_%05d", j)
	}
	return fmt.Sprintf("SHOP.SETTING_%05d", j)
}

// seedRow is the i-th seeded configuration: organizer i % orgs, a mix of data types, half of
// them for a merchant.
func (f *fixture) seedRow(i int) map[string]any {
	k := i % len(f.Orgs)
	j := i / len(f.Orgs)
	code := seedCode(j)
	group, _, _ := strings.Cut(code, ".")
	row := map[string]any{
		"organizerId": f.Orgs[k].String(),
		"code":        code,
		"group":       group,
		"description": "Benchmark setting " + strconv.Itoa(j) + " of organizer " + strconv.Itoa(k+1),
	}
	switch {
	case j%25 == 0:
		row["dataType"], row["value"] = "SECRET", "secret-"+benchkit.RandomHex(8)
	case j%4 == 0:
		row["dataType"], row["value"] = "TEXT", "value "+strconv.Itoa(j)
	case j%4 == 1:
		row["dataType"], row["value"] = "NUMBER", j*1000
	case j%4 == 2:
		row["dataType"], row["value"] = "BOOLEAN", j%3 == 0
	default:
		row["dataType"], row["value"] = "JSON", map[string]any{"position": j, "tags": []string{"bench", group}}
	}
	if j%2 == 1 {
		row["merchantId"] = strconv.FormatInt(int64(f.Orgs[k])*10+1+int64(j%3), 10)
	}
	return row
}

// targetResult is one measured line of the report.
type targetResult struct {
	Database  string // SQLite, PostgreSQL
	Name      string
	Kind      string // list, health, baseline
	Load      loadResult
	CPU       cpuUse
	RSSStart  int64 // after start, before seeding; 0 when not measured
	RSSIdle   int64 // after seeding, before load
	RSSAfter  int64 // after every load
	RSSPeak   int64
	Seed      time.Duration
	BodyBytes int // size of one answer
	Profile   string
	// Background is the CPU (cores) other processes used in the second before the load (after
	// waiting for them to quiet down): other work on the machine that the figures compete with.
	Background float64
}

// runTarget measures `bana serve` on one database: dbURL empty means SQLite.
func runTarget(ctx context.Context, o *options, f *fixture, bin, database, dbURL string) ([]*targetResult, error) {
	dir, err := os.MkdirTemp("", "bana-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"APP_ENV_NODE_ENV":           "production",
		"APP_ENV_SERVER_HOST":        "127.0.0.1",
		"APP_ENV_SERVER_PORT":        strconv.Itoa(port),
		"APP_ENV_DATA_DIR":           filepath.Join(dir, "data"),
		"APP_ENV_JWT_SECRET":         f.JWTSecret,
		"APP_ENV_APPLICATION_SECRET": f.AppSecret,
		"APP_ENV_LOG_LEVEL":          "warn",
	}
	if dbURL != "" {
		env["APP_ENV_POSTGRES_URL"] = dbURL
	}
	logf("%s: starting %s serve", database, filepath.Base(bin))
	srv, err := startServer(bin, []string{"serve"}, dir, env, port)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	client := newClient()
	defer client.CloseIdleConnections()
	if err := srv.WaitReady(ctx, client, "/ready", 60*time.Second); err != nil {
		return nil, err
	}
	list := &targetResult{Database: database, Name: "list with filter", Kind: "list"}
	health := &targetResult{Database: database, Name: "GET /health", Kind: "health"}
	if m, err := benchkit.ReadMemory(srv.Pid()); err == nil {
		list.RSSStart = m.RSS
	}

	logf("%s: seeding %d configurations across %d organizers", database, o.Rows, o.Organizers)
	t0 := time.Now()
	if err := f.seed(ctx, client, srv.Root, o.Rows); err != nil {
		return nil, err
	}
	list.Seed = time.Since(t0)
	if list.BodyBytes, err = f.verify(ctx, client, srv.Root, database); err != nil {
		return nil, err
	}
	m, err := benchkit.ReadMemory(srv.Pid())
	if err != nil {
		return nil, err
	}
	list.RSSIdle = m.RSS

	logf("%s: GET /health, %d workers, %s + %s", database, o.Concurrency, o.Warmup, o.Duration)
	err = measure(ctx, o, srv, []request{{Path: "/health"}}, nil, health)
	if err != nil {
		return nil, err
	}
	logf("%s: list with filter, %d workers, %s + %s", database, o.Concurrency, o.Warmup, o.Duration)
	var prof *profiler
	if o.CPUProfile != "" {
		list.Profile = filepath.Join(o.CPUProfile, strings.ToLower(database)+"-list.pprof")
		prof = newProfiler(srv.Root, list.Profile, o.Duration)
	}
	err = measure(ctx, o, srv, f.listRequests(), prof, list)
	if err != nil {
		return nil, err
	}
	if m, err := benchkit.ReadMemory(srv.Pid()); err == nil {
		list.RSSAfter, list.RSSPeak = m.RSS, m.Peak
	}
	if err := srv.Stop(); err != nil && ctx.Err() == nil {
		return nil, err
	}
	return []*targetResult{list, health}, ctx.Err()
}

// profiler fetches a CPU profile from the server's /debug/pprof during a load.
type profiler struct {
	url, file string
	timeout   time.Duration
	wg        sync.WaitGroup
	err       error
}

func newProfiler(root, file string, d time.Duration) *profiler {
	secs := max(1, int(d.Round(time.Second).Seconds()))
	return &profiler{url: root + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs), file: file, timeout: d + time.Minute}
}

func (p *profiler) start(ctx context.Context) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		c := newClient()
		c.Timeout = p.timeout
		defer c.CloseIdleConnections()
		status, body, err := get(ctx, c, p.url, "")
		switch {
		case err != nil:
			p.err = err
		case status != http.StatusOK:
			p.err = fmt.Errorf("status %d from /debug/pprof/profile (is -bin a server with pprof, bin/benchserve?)", status)
		default:
			p.err = os.WriteFile(p.file, body, 0o644)
		}
	}()
}

func (p *profiler) wait() error {
	p.wg.Wait()
	return p.err
}

// measure waits for the machine to be quiet, runs one load, and records it in t with the CPU
// use of its measured window.
func measure(ctx context.Context, o *options, srv *benchkit.Server, reqs []request, prof *profiler, t *targetResult) error {
	pid := srv.Pid()
	t.Background = waitQuiet(ctx, pid, o.QuietWait, t.Database+": "+t.Name)
	var before cpuSnapshot
	spec := loadSpec{Addr: srv.Addr, Concurrency: o.Concurrency, Warmup: o.Warmup, Duration: o.Duration, Requests: reqs,
		Probe: func() {
			before = snapshot(pid, 0)
			if prof != nil {
				prof.start(ctx)
			}
		}}
	var err error
	if t.Load, err = spec.run(ctx); err != nil {
		return err
	}
	t.CPU = cpuBetween(before, snapshot(pid, 0))
	if prof != nil {
		if err := prof.wait(); err != nil {
			return fmt.Errorf("CPU profile: %w", err)
		}
		logf("CPU profile written to %s", prof.file)
	}
	return nil
}

// listRequests are the measured list requests, one per organizer with its owner's token.
func (f *fixture) listRequests() []request {
	var out []request
	for i := range f.Orgs {
		out = append(out, request{Path: f.Lists[i], Token: f.Owners[i]})
	}
	return out
}

// seed creates the rows through the API as an admin, four requests at a time.
func (f *fixture) seed(ctx context.Context, client *http.Client, root string, rows int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f.create(ctx, client, root, f.seedRow(i)); err != nil {
					cancel(fmt.Errorf("seed row %d: %w", i, err))
					return
				}
			}
		}()
	}
feed:
	for i := range rows {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

func (f *fixture) create(ctx context.Context, client *http.Client, root string, row map[string]any) error {
	body, _ := json.Marshal(row)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, root+"/api/configurations", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+f.Admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := readAll(resp)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return nil
}

func readAll(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

// verify checks that the measured request returns what it should before it is measured: for
// every organizer, the first page of its SHOP settings in code order, and only its own rows even
// when its owner asks for another organizer's. The first target's answers are kept; later
// targets must return the same rows. It returns the size of one answer.
func (f *fixture) verify(ctx context.Context, client *http.Client, root, target string) (int, error) {
	size := 0
	for i, org := range f.Orgs {
		status, body, err := get(ctx, client, root+f.Lists[i], f.Owners[i])
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("list of organizer %s: status %d: %s", org, status, body)
		}
		var rows []map[string]any
		if err := json.Unmarshal(body, &rows); err != nil {
			return 0, fmt.Errorf("list of organizer %s: %w", org, err)
		}
		if want := min(listLimit, f.Matches[i]); len(rows) != want {
			return 0, fmt.Errorf("list of organizer %s: %d rows, want %d", org, len(rows), want)
		}
		var codes []string
		for _, r := range rows {
			code, _ := r["code"].(string)
			if r["organizerId"] != org.String() || !strings.HasPrefix(code, listPrefix) {
				return 0, fmt.Errorf("list of organizer %s returned a row it should not: %v", org, r)
			}
			codes = append(codes, code)
		}
		if !slices.IsSorted(codes) {
			return 0, fmt.Errorf("list of organizer %s is not in code order: %v", org, codes)
		}
		if err := f.compare(i, rows, target); err != nil {
			return 0, err
		}
		size = len(body)
	}
	// Tenant scope: organizer 0's owner asking for organizer 1's rows sees none.
	if len(f.Orgs) > 1 {
		status, body, err := get(ctx, client, root+f.Lists[1], f.Owners[0])
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
			return 0, fmt.Errorf("an owner listing another organizer's rows got status %d: %.200s", status, body)
		}
	}
	return size, nil
}

// compare checks an answer against the first target's answer for the same organizer, ignoring
// ids and times (each target seeds its own rows).
func (f *fixture) compare(i int, rows []map[string]any, target string) error {
	for _, r := range rows {
		for _, k := range []string{"id", "createdAt", "updatedAt"} {
			if _, ok := r[k]; !ok {
				return fmt.Errorf("%s: list row without %s: %v", target, k, r)
			}
			delete(r, k)
		}
		if r["dataType"] == "SECRET" && r["value"] != nil {
			return fmt.Errorf("%s: a SECRET value was returned: %v", target, r)
		}
	}
	b, _ := json.Marshal(rows)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Expected == nil {
		f.Expected = make([][]byte, len(f.Orgs))
	}
	if f.Expected[i] == nil {
		f.Expected[i] = b
		return nil
	}
	var want, got any
	_ = json.Unmarshal(f.Expected[i], &want)
	_ = json.Unmarshal(b, &got)
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s: the list of organizer %s differs from the first target's:\n got %s\nwant %s",
			target, f.Orgs[i], b, f.Expected[i])
	}
	return nil
}
