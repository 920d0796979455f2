// Command benchserve is `bana serve` with Go's profiler mounted at /debug/pprof/, for finding
// where the time of a benchmark goes:
//
//	go build -o bin/benchserve ./bench/cmd/benchserve
//	go run ./bench/cmd/benchrun -bin bin/benchserve -cpuprofile bench/results/profiles
//	go tool pprof -top bin/benchserve bench/results/profiles/postgresql-list.pprof
//
// It builds and serves the application exactly as cmd/bana does (settings, migrations, the same
// handler, background jobs), adds the profiler to its mux, and listens on loopback only, whatever
// APP_ENV_SERVER_HOST says, because the profiler shows the process's internals. It is never the
// production binary. The server's write timeout (60s) bounds a profile: keep -duration under it.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/platform/config"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "version" {
		fmt.Println("bana", app.Version, "(benchserve: with /debug/pprof)")
		return
	}
	if len(args) != 1 || args[0] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: benchserve serve | version")
		os.Exit(2)
	}
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		os.Exit(1)
	}
}

func serve() error {
	cfg, err := config.Load(".")
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := a.Migrator()
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	// On the application's own mux, behind its middleware, so that everything else is served
	// exactly as by bana serve.
	a.Server.Mux.HandleFunc("/debug/pprof/", pprof.Index)
	a.Server.Mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	a.Server.Mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	a.Server.Mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	a.Server.Mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Server.Port)))
	if err != nil {
		return err
	}
	log.Warn("benchserve: serving with /debug/pprof on loopback", "addr", ln.Addr().String())
	return a.Serve(ctx, ln)
}
