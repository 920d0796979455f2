// Command signal benchmarks /stream: many concurrent connections on one process (memory per
// connection), the latency of a room message's fan-out to all of them (p50/p99), and, with
// -redis, two processes over Redis (half the clients on each, sent through one). The reference
// is a plain coder/websocket broadcast server without encryption, authentication or rooms,
// measured in the same run with the same number of clients; the report quotes ratios.
//
//	go run ./bench/signal -conns 1000 -rounds 20
//	go run ./bench/signal -conns 10000 -redis redis://127.0.0.1:6379/0
//
// Memory is measured in this process, which holds both ends of every connection: the figure is
// (heap + stacks after connecting - before) / connections, for BANA and for the reference alike.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/signal"
	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

func main() {
	conns := flag.Int("conns", 1000, "concurrent connections")
	rounds := flag.Int("rounds", 20, "room messages fanned out to every connection")
	redisURL := flag.String("redis", "", "Redis URL: also run two processes over Redis")
	flag.Parse()
	ctx := context.Background()

	ref, err := runReference(ctx, *conns, *rounds)
	if err != nil {
		log.Fatal(err)
	}
	one, err := runBANA(ctx, *conns, *rounds, "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("# signal benchmark: %d connections, %d rounds (%s, GOMAXPROCS %d)\n\n", *conns, *rounds, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Println("| run | memory per connection | fan-out p50 | fan-out p99 | ratio p50 / p99 / memory vs reference |")
	fmt.Println("|---|---|---|---|---|")
	row := func(name string, r result) {
		fmt.Printf("| %s | %.1f KB | %s | %s | %.2f / %.2f / %.2f |\n", name, r.memPerConn/1024, r.p50, r.p99,
			float64(r.p50)/float64(ref.p50), float64(r.p99)/float64(ref.p99), r.memPerConn/ref.memPerConn)
	}
	row("reference: plain coder/websocket broadcast", ref)
	row("BANA /stream, one process", one)
	if *redisURL != "" {
		two, err := runBANA(ctx, *conns, *rounds, *redisURL)
		if err != nil {
			log.Fatal(err)
		}
		row("BANA /stream, two processes over Redis", two)
	}
}

type result struct {
	memPerConn float64
	p50, p99   time.Duration
}

func inUse() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse + m.StackInuse)
}

// fanout collects each client's latency of every round; send starts round r.
type fanout struct {
	mu  sync.Mutex
	lat []time.Duration
	got chan struct{}
}

func (f *fanout) record(sent int64) {
	d := time.Since(time.Unix(0, sent))
	f.mu.Lock()
	f.lat = append(f.lat, d)
	f.mu.Unlock()
	f.got <- struct{}{}
}

func (f *fanout) run(conns, rounds int, send func(now int64) error) (time.Duration, time.Duration, error) {
	for range rounds {
		if err := send(time.Now().UnixNano()); err != nil {
			return 0, 0, err
		}
		timeout := time.After(60 * time.Second)
		for range conns {
			select {
			case <-f.got:
			case <-timeout:
				return 0, 0, fmt.Errorf("a round did not reach every client in 60s")
			}
		}
	}
	slices.Sort(f.lat)
	return f.lat[len(f.lat)/2], f.lat[len(f.lat)*99/100], nil
}

type stamp struct {
	Sent int64 `json:"sent"`
}

// runBANA starts BANA (two instances over Redis when redisURL is set), connects the clients
// through the real handshake, joins them to one room and fans messages out to it.
func runBANA(ctx context.Context, conns, rounds int, redisURL string) (result, error) {
	extra := map[string]string{"APP_ENV_WEBSOCKET_SEND_BUFFER": "256"}
	n := 1
	if redisURL != "" {
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			return result{}, err
		}
		host, port, _ := net.SplitHostPort(opt.Addr)
		for _, k := range []string{"APP_ENV_PUBSUB_PUBLISHER_REDIS", "APP_ENV_PUBSUB_SUBSCRIBER_REDIS"} {
			extra[k+"_HOST"], extra[k+"_PORT"] = host, port
		}
		n = 2
	}
	var procs []*benchkit.InProcess
	for range n {
		p, err := benchkit.StartInProcessWith(ctx, "bana-signal-bench-", "", "", extra)
		if err != nil {
			return result{}, err
		}
		defer p.Close()
		procs = append(procs, p)
	}
	token, _, err := procs[0].App.Tokens.Issue(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}}, time.Hour)
	if err != nil {
		return result{}, err
	}
	room := fmt.Sprintf("merchant.%d", procs[0].App.IDs.Next())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	f := &fanout{got: make(chan struct{}, conns)}
	before := inUse()
	var clients []*signal.Conn
	for i := range conns {
		p := procs[i%n]
		c, err := signal.Dial(ctx, "ws"+strings.TrimPrefix(p.Base, "http")+"/stream", token, client)
		if err != nil {
			return result{}, fmt.Errorf("connection %d: %w", i, err)
		}
		if _, err := c.Join(ctx, room, nil); err != nil {
			return result{}, err
		}
		clients = append(clients, c)
	}
	mem := (inUse() - before) / float64(conns)
	for _, c := range clients {
		go func() {
			for {
				o, err := c.Next(ctx)
				if err != nil {
					return
				}
				var s stamp
				if json.Unmarshal(o.Data, &s) == nil {
					f.record(s.Sent)
				}
			}
		}()
	}
	sender := procs[0].App.Signal
	p50, p99, err := f.run(conns, rounds, func(now int64) error {
		data, _ := json.Marshal(stamp{Sent: now})
		_, err := sender.SendToRoom(auth.System(ctx), room, "bench", data)
		return err
	})
	for _, c := range clients {
		c.WS.CloseNow()
	}
	return result{memPerConn: mem, p50: p50, p99: p99}, err
}

// runReference is a plain broadcast server: coder/websocket, one writer goroutine and queue per
// connection (the usual hub), no encryption, authentication or rooms.
func runReference(ctx context.Context, conns, rounds int) (result, error) {
	type peer struct{ q chan []byte }
	var mu sync.Mutex
	peers := map[*peer]struct{}{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		p := &peer{q: make(chan []byte, 256)}
		mu.Lock()
		peers[p] = struct{}{}
		mu.Unlock()
		go func() {
			for msg := range p.q {
				if ws.Write(context.Background(), websocket.MessageText, msg) != nil {
					return
				}
			}
		}()
		_, _, _ = ws.Read(context.Background())
		mu.Lock()
		delete(peers, p)
		mu.Unlock()
		close(p.q)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	f := &fanout{got: make(chan struct{}, conns)}
	before := inUse()
	var clients []*websocket.Conn
	for range conns {
		c, _, err := websocket.Dial(ctx, "ws://"+ln.Addr().String(), nil)
		if err != nil {
			return result{}, err
		}
		clients = append(clients, c)
	}
	for {
		mu.Lock()
		k := len(peers)
		mu.Unlock()
		if k == conns {
			break
		}
		runtime.Gosched()
	}
	mem := (inUse() - before) / float64(conns)
	for _, c := range clients {
		go func() {
			for {
				_, msg, err := c.Read(ctx)
				if err != nil {
					return
				}
				var s stamp
				if json.Unmarshal(msg, &s) == nil {
					f.record(s.Sent)
				}
			}
		}()
	}
	p50, p99, err := f.run(conns, rounds, func(now int64) error {
		msg, _ := json.Marshal(stamp{Sent: now})
		mu.Lock()
		defer mu.Unlock()
		for p := range peers {
			select {
			case p.q <- msg:
			default:
			}
		}
		return nil
	})
	for _, c := range clients {
		c.CloseNow()
	}
	return result{memPerConn: mem, p50: p50, p99: p99}, err
}
