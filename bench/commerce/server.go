package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/banapos/bana/bench/benchkit"
)

// start starts the server c describes, with its log in <executable>.log and without the
// baseline's settings of this process's environment, and waits until readyPath answers 200; it
// stops the server when it does not become ready.
func start(ctx context.Context, c benchkit.ServerConfig, readyPath string) (*benchkit.Server, error) {
	c.Hide, c.Log = []string{"BANA_LOOKUP_BASELINE_"}, filepath.Base(c.Bin)+".log"
	p, err := benchkit.StartServer(c)
	if err != nil {
		return nil, err
	}
	if err := p.WaitReady(ctx, http.DefaultClient, readyPath, 60*time.Second); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("%s: %w", filepath.Base(c.Bin), err)
	}
	return p, nil
}

// startBana serves the API from bin on a free port.
func startBana(ctx context.Context, bin, dir string, env map[string]string) (*benchkit.Server, error) {
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	env["APP_ENV_SERVER_HOST"] = "127.0.0.1"
	env["APP_ENV_SERVER_PORT"] = strconv.Itoa(port)
	return start(ctx, benchkit.ServerConfig{Bin: bin, Args: []string{"serve"}, Dir: dir, Env: env, Port: port}, "/api/ready")
}

// startBaseline starts this program again as the hand-written baseline.
func startBaseline(ctx context.Context, dir, dialect, dsn, secret string) (*benchkit.Server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		baselineAddrEnv:    "127.0.0.1:" + strconv.Itoa(port),
		baselineDialectEnv: dialect,
		baselineDSNEnv:     dsn,
		baselineSecretEnv:  secret,
		baselinePprofEnv:   os.Getenv(baselinePprofEnv),
	}
	return start(ctx, benchkit.ServerConfig{Bin: self, Dir: dir, Env: env, Port: port}, "/health")
}

// memory is the resident set of the process pid and its peak, as /proc shows them.
func memory(pid int) string {
	m, err := benchkit.ReadMemory(pid)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%d kB (peak %d kB)", m.RSS>>10, m.Peak>>10)
}

type pgbenchResult struct{ TPS float64 }

// runPgbench measures select-only pgbench on a scratch database of the same server.
func runPgbench(ctx context.Context, o *options) (*pgbenchResult, error) {
	pb, err := benchkit.NewPgbench(ctx, o.Pgbench, o.PostgresURL, "bana_lookup_pgbench_", 1)
	if err != nil {
		return nil, err
	}
	defer pb.Drop()
	secs := strconv.Itoa(int(o.Duration.Seconds()))
	tps, err := pb.Run(ctx, "-S", "-n", "-c", strconv.Itoa(o.Concurrency), "-j", "2", "-T", secs)
	if err != nil {
		return nil, err
	}
	return &pgbenchResult{TPS: tps}, nil
}
