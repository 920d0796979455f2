package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// loadResult is one measured load.
type loadResult struct {
	Requests  int
	Errors    int // transport errors, statuses other than 200, and answers naming another SKU
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
}

// RPS is the throughput of successful requests.
func (r loadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// P is the p-th percentile latency.
func (r loadResult) P(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies)-1) * p / 100)
	return r.Latencies[i]
}

// load drives o.Concurrency clients, each sending its next lookup when the last answered.
func load(ctx context.Context, root string, f *fixture, o *options) (loadResult, error) {
	tr := &http.Transport{MaxIdleConns: o.Concurrency * 2, MaxIdleConnsPerHost: o.Concurrency * 2, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	base := root + "/api/products/lookup?merchantId=" + f.MerchantID + "&code="
	warmEnd := time.Now().Add(o.Warmup)
	end := warmEnd.Add(o.Duration)
	type worker struct {
		lat    []time.Duration
		n, bad int
	}
	ws := make([]worker, o.Concurrency)
	var wg sync.WaitGroup
	for w := range ws {
		wg.Add(1)
		go func(w *worker, seed uint64) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, seed*7+1))
			buf := make([]byte, 0, 4096)
			for {
				now := time.Now()
				if now.After(end) || ctx.Err() != nil {
					return
				}
				s := f.Codes[rnd.IntN(len(f.Codes))]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+url.QueryEscape(s.Code), nil)
				req.Header.Set("Authorization", "Bearer "+f.Token)
				resp, err := client.Do(req)
				ok := false
				if err == nil {
					buf = buf[:0]
					b := bytes.NewBuffer(buf)
					_, _ = io.Copy(b, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == http.StatusOK && bytes.Contains(b.Bytes(), []byte(`"sku":"`+s.SKU+`"`))
					buf = b.Bytes()
				}
				if now.Before(warmEnd) {
					continue
				}
				w.n++
				if !ok {
					w.bad++
				}
				w.lat = append(w.lat, time.Since(now))
			}
		}(&ws[w], uint64(w+1))
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	var r loadResult
	for _, w := range ws {
		r.Requests += w.n
		r.Errors += w.bad
		r.Latencies = append(r.Latencies, w.lat...)
	}
	slices.Sort(r.Latencies)
	r.Elapsed = o.Duration
	return r, nil
}
