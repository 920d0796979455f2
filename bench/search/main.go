// Command search measures the search module on the embedded Bleve index: indexing throughput,
// and p50/p99 latency and throughput of GET /search/products through BANA's HTTP API (loopback,
// a bearer token, the tenant scope applied) at -clients concurrent clients, next to a baseline
// in the same run: the same Bleve calls written by hand (a mapping, a batch of documents, a
// conjunction of term/prefix/fuzzy queries per word with the organizer's term) on an index of
// the same documents, called from as many goroutines.
//
//	go run ./bench/search [-n 100000] [-clients 16] [-duration 10s] [-report bench/search/REPORT.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/search"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/search/query"
)

func main() { benchkit.Main("search bench", run) }

var (
	bases = []string{"Cà phê", "Trà", "Bánh mì", "Nước ép", "Sinh tố", "Trà sữa", "Bạc xỉu", "Cơm", "Phở", "Bún", "Xôi", "Chè"}
	mods  = []string{"sữa", "đá", "nóng", "đào", "cam", "dâu", "thịt", "gà", "bò", "trứng", "muối", "dừa", "xoài", "bơ"}
	// queries are what cashiers type: folded and accented words, prefixes, a typo, barcodes.
	queries = []string{"ca phe sua", "trà đào", "banh mi ga", "nuoc ep cam", "sinh to bo", "bac xiu", "pho bo", "bun", "tra sua truong",
		"ca phe muoi", "xoi", "che duaa", "com ga", "trà", "8930000012345", "SKU-000777"}
)

// document is product i of n: a name from the word lists, a price, a SKU and a barcode.
func document(i int) search.Document {
	name := bases[i%len(bases)] + " " + mods[(i/len(bases))%len(mods)] + " " + mods[(i/7)%len(mods)]
	return search.Document{"id": fmt.Sprint(i + 1), "organizerId": "1", "merchantId": fmt.Sprint(100 + i%4), "name": name,
		"status": "ACTIVE", "price": int64(15000 + (i%40)*1000), "position": int64(i),
		"codes": []string{fmt.Sprintf("SKU-%06d", i), fmt.Sprintf("893%010d", i)}}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	n := fs.Int("n", 100000, "products indexed")
	clients := fs.Int("clients", 16, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "measurement time of each side")
	report := fs.String("report", "", "write the report (markdown) to this file too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := benchkit.StartInProcess(ctx, "bana-bench-search-", "", "")
	if err != nil {
		return err
	}
	defer s.Close()
	col, err := s.App.Search.Collection(search.Products)
	if err != nil {
		return err
	}
	backend := s.App.Search.Backend()
	sys := auth.System(ctx)

	// Indexing: BANA's backend (the module's document mapping, folding, batches of 500).
	start := time.Now()
	for i := 0; i < *n; i += 500 {
		var docs []search.Document
		for j := i; j < min(i+500, *n); j++ {
			docs = append(docs, document(j))
		}
		if err := backend.Upsert(sys, col, docs); err != nil {
			return err
		}
	}
	banaIndex := time.Since(start)

	// The baseline index: the same documents, by hand.
	dir, err := os.MkdirTemp("", "bana-bench-search-base-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start = time.Now()
	base, err := baselineIndex(filepath.Join(dir, "base.bleve"), *n)
	if err != nil {
		return err
	}
	defer base.Close()
	baseIndex := time.Since(start)

	token, _, err := s.App.Tokens.Issue(&auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1,
		Permissions: []string{"*"}, Kind: auth.KindUser}, time.Hour)
	if err != nil {
		return err
	}
	hc := benchkit.NewHTTPClient(*clients)
	c := &benchkit.Client{Base: s.Base, Token: token, HTTP: hc}
	// Both sides must agree before they are timed.
	for _, q := range queries {
		var r search.SearchResult
		if err := c.Call("GET", "/search/products?"+url.Values{"q": {q}}.Encode(), nil, &r); err != nil {
			return err
		}
		br, err := base.SearchInContext(ctx, baselineRequest(q))
		if err != nil {
			return err
		}
		if uint64(r.Found) != br.Total {
			return fmt.Errorf("q=%q: BANA found %d, the baseline %d", q, r.Found, br.Total)
		}
	}
	bana := measure(ctx, *clients, *duration, func(i int) error {
		st, _, err := c.Do("GET", "/search/products?"+url.Values{"q": {queries[i%len(queries)]}}.Encode(), "", nil)
		if err == nil && st != 200 {
			err = fmt.Errorf("status %d", st)
		}
		return err
	})
	baseline := measure(ctx, *clients, *duration, func(i int) error {
		_, err := base.SearchInContext(ctx, baselineRequest(queries[i%len(queries)]))
		return err
	})

	var b strings.Builder
	fmt.Fprintf(&b, "# Search benchmark\n\nRun %s, %s/%s, %d CPUs, %s. `go run ./bench/search -n %d -clients %d -duration %s`.\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), *n, *clients, *duration)
	fmt.Fprintf(&b, "%d products on the embedded Bleve index (SQLite database, in-process server on loopback). Queries cycle through %d cashier searches (folded and accented words, prefixes, a typo, a barcode, a SKU).\n\n", *n, len(queries))
	fmt.Fprintf(&b, "| side | searches/s | p50 | p99 | errors |\n|---|---:|---:|---:|---:|\n")
	for _, r := range []struct {
		name string
		res  result
	}{{"BANA GET /search/products (HTTP)", bana}, {"baseline: the same Bleve calls by hand", baseline}} {
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %d |\n", r.name, r.res.rate, benchkit.Millis(r.res.lat.Pct(0.5), 2), benchkit.Millis(r.res.lat.Pct(0.99), 2), r.res.errors)
	}
	fmt.Fprintf(&b, "\nBANA / baseline throughput: **%.2f** (target >= 0.70).\n\n", bana.rate/baseline.rate)
	fmt.Fprintf(&b, "Indexing %d documents: BANA %s (%.0f docs/s), baseline %s (%.0f docs/s): ratio %.2f.\n", *n,
		banaIndex.Round(time.Millisecond), float64(*n)/banaIndex.Seconds(), baseIndex.Round(time.Millisecond), float64(*n)/baseIndex.Seconds(),
		baseIndex.Seconds()/banaIndex.Seconds())
	fmt.Fprintf(&b, "\nThe machine is shared and small; compare ratios within one run, not absolute numbers across runs.\n")
	fmt.Print(b.String())
	if *report != "" {
		return benchkit.WriteReport(*report, b.String())
	}
	return nil
}

// baselineIndex builds a Bleve index of the n documents by hand: folded text in one field,
// keywords, numbers; batches of 500.
func baselineIndex(path string, n int) (bleve.Index, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomAnalyzer("vi", map[string]interface{}{"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []string{lowercase.Name}}); err != nil {
		return nil, err
	}
	dm := bleve.NewDocumentStaticMapping()
	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	for _, f := range []string{"organizerId", "merchantId", "status", "codes"} {
		dm.AddFieldMappingsAt(f, kw)
	}
	dm.AddFieldMappingsAt("price", bleve.NewNumericFieldMapping())
	text := bleve.NewTextFieldMapping()
	text.Analyzer = "vi"
	dm.AddFieldMappingsAt("text", text)
	m.DefaultMapping = dm
	idx, err := bleve.New(path, m)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i += 500 {
		batch := idx.NewBatch()
		for j := i; j < min(i+500, n); j++ {
			d := document(j)
			codes := d["codes"].([]string)
			if err := batch.Index(d.ID(), map[string]any{"organizerId": "1", "merchantId": d["merchantId"], "status": "ACTIVE",
				"price": float64(d["price"].(int64)), "codes": codes, "text": search.Fold(d["name"].(string))}); err != nil {
				return nil, err
			}
		}
		if err := idx.Batch(batch); err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// baselineRequest is the query of q by hand: each folded word exactly, as a prefix, or within
// its typos; or q as a code; within organizer 1; 20 hits by relevance.
func baselineRequest(q string) *bleve.SearchRequest {
	var words []query.Query
	for _, w := range search.Words(search.Fold(q)) {
		t := bleve.NewTermQuery(w)
		t.SetField("text")
		p := bleve.NewPrefixQuery(w)
		p.SetField("text")
		alts := []query.Query{t, p}
		if k := search.Typos(w); k > 0 {
			f := bleve.NewFuzzyQuery(w)
			f.SetField("text")
			f.SetFuzziness(k)
			alts = append(alts, f)
		}
		words = append(words, bleve.NewDisjunctionQuery(alts...))
	}
	code := bleve.NewTermQuery(strings.ToUpper(strings.TrimSpace(q)))
	code.SetField("codes")
	org := bleve.NewTermQuery("1")
	org.SetField("organizerId")
	text := bleve.NewDisjunctionQuery(bleve.NewConjunctionQuery(words...), code)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(text, org), 20, 0, false)
	req.Fields = []string{"*"}
	return req
}

type result struct {
	rate   float64
	lat    benchkit.Latencies
	errors int64
}

// measure runs f from clients goroutines for d and returns the rate and latencies.
func measure(ctx context.Context, clients int, d time.Duration, f func(i int) error) result {
	var (
		mu     sync.Mutex
		all    []time.Duration
		errs   atomic.Int64
		next   atomic.Int64
		wg     sync.WaitGroup
		cctx   context.Context
		cancel context.CancelFunc
	)
	cctx, cancel = context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for cctx.Err() == nil {
				i := int(next.Add(1))
				t := time.Now()
				if err := f(i); err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return result{rate: float64(len(all)) / el.Seconds(), lat: all, errors: errs.Load()}
}
