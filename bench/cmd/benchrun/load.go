package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// request is one request of a load: a GET of Path (with its query) with an optional bearer
// token.
type request struct {
	Path  string
	Token string
}

// loadSpec is one closed-loop load: Concurrency workers, each with one keep-alive connection,
// sending its next request as soon as it has read the previous answer, for Warmup (not
// measured) and then Duration (measured).
type loadSpec struct {
	Addr        string // host:port, loopback
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	// Requests are cycled through; worker i starts at Requests[i%len].
	Requests []request
	// Probe, when set, is called once, when the measured window starts (CPU snapshots, profile).
	Probe func()
}

// maxSamplesPerWorker bounds the memory of one worker's latency record (8 bytes a sample).
const maxSamplesPerWorker = 4 << 20

// requestTimeout bounds one request, connection included.
const requestTimeout = 10 * time.Second

// loadResult is what a load measured.
type loadResult struct {
	Requests   int            // completed in the measured window (including errors)
	Errors     int            // non-200 answers and transport failures
	ErrorKinds map[string]int // e.g. "status 500": 12
	Elapsed    time.Duration  // from the start of the measured window to the last answer
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
}

// RPS is the measured throughput.
func (r loadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// conn is a worker's HTTP/1.1 connection. The load generator writes requests it serialized once
// and reads answers with net/http's own parser, without http.Transport's machinery (a pool,
// two goroutines and channels per connection), so that it takes as little as possible of the
// CPU it shares with the server, as pgbench does.
type conn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c, c.br = nil, nil
	}
}

// do sends one serialized request and reads the whole answer.
func (c *conn) do(raw []byte) (int, error) {
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, requestTimeout)
		if err != nil {
			return 0, err
		}
		c.c, c.br = nc, bufio.NewReaderSize(nc, 64<<10)
	}
	if err := c.c.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		c.close()
		return 0, err
	}
	if _, err := c.c.Write(raw); err != nil {
		c.close()
		return 0, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	return resp.StatusCode, err
}

func serialize(addr string, r request) []byte {
	s := "GET " + r.Path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bana-benchrun\r\nAccept: application/json\r\n"
	if r.Token != "" {
		s += "Authorization: Bearer " + r.Token + "\r\n"
	}
	return []byte(s + "\r\n")
}

type workerRecord struct {
	lat    []time.Duration
	n      int
	errs   map[string]int
	nerr   int
	finish time.Time
}

// run drives the load and returns its measurements. Every worker stops at the end of the
// window, after at most one more request (bounded by requestTimeout).
func (s loadSpec) run(ctx context.Context) (loadResult, error) {
	if s.Concurrency < 1 || len(s.Requests) == 0 || s.Duration <= 0 {
		return loadResult{}, fmt.Errorf("bad load: %d workers, %d requests, %s", s.Concurrency, len(s.Requests), s.Duration)
	}
	raws := make([][]byte, len(s.Requests))
	for i, r := range s.Requests {
		raws[i] = serialize(s.Addr, r)
	}
	start := time.Now()
	from := start.Add(s.Warmup)
	end := from.Add(s.Duration)
	records := make([]*workerRecord, s.Concurrency)
	var wg sync.WaitGroup
	done := ctx.Done()
	for w := range s.Concurrency {
		rec := &workerRecord{errs: map[string]int{}, lat: make([]time.Duration, 0, 1<<14)}
		records[w] = rec
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &conn{addr: s.Addr}
			defer c.close()
			for i := w; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				status, err := c.do(raws[i%len(raws)])
				t1 := time.Now()
				if t0.Before(from) {
					continue
				}
				rec.n++
				rec.finish = t1
				if len(rec.lat) < maxSamplesPerWorker {
					rec.lat = append(rec.lat, t1.Sub(t0))
				}
				switch {
				case err != nil:
					rec.nerr++
					rec.errs[shortErr(err)]++
				case status != http.StatusOK:
					rec.nerr++
					rec.errs["status "+strconv.Itoa(status)]++
				}
			}
		}()
	}
	var probe sync.WaitGroup
	if s.Probe != nil {
		probe.Add(1)
		go func() {
			defer probe.Done()
			t := time.NewTimer(time.Until(from))
			defer t.Stop()
			select {
			case <-t.C:
				s.Probe()
			case <-ctx.Done():
			}
		}()
	}
	wg.Wait()
	probe.Wait()
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	res := loadResult{ErrorKinds: map[string]int{}}
	var all []time.Duration
	last := from
	for _, r := range records {
		res.Requests += r.n
		res.Errors += r.nerr
		for k, v := range r.errs {
			res.ErrorKinds[k] += v
		}
		if r.finish.After(last) {
			last = r.finish
		}
		all = append(all, r.lat...)
	}
	res.Elapsed = last.Sub(from)
	if len(all) > 0 {
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		res.P50, res.P95, res.P99 = rank(all, 0.50), rank(all, 0.95), rank(all, 0.99)
		res.Max = all[len(all)-1]
	}
	return res, nil
}

// rank is the nearest-rank percentile of sorted samples.
func rank(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// newClient is the HTTP client of set-up and checks (not of the measured loads).
func newClient() *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
