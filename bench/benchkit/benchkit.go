// Package benchkit holds what BANA's load benchmarks (the programs under bench/) share: scratch
// PostgreSQL databases and pgbench data sets on them, starting the bana server (as a process of
// its own or inside the benchmark's process) and waiting until it is ready, environment
// defaults, a small JSON API client, latency percentiles, CPU and memory readings from /proc,
// and the plumbing of a benchmark's main.
package benchkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
)

// EnvOr returns the environment variable k, or def when k is not set at all (a variable set to
// the empty string is returned as it is).
func EnvOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

// PostgresURL is the PostgreSQL server the benchmarks measure on: BANA_BENCH_POSTGRES_URL, else
// BANA_TEST_POSTGRES_URL; empty when neither is set (or both are empty).
func PostgresURL() string {
	if u := os.Getenv("BANA_BENCH_POSTGRES_URL"); u != "" {
		return u
	}
	return os.Getenv("BANA_TEST_POSTGRES_URL")
}

// RandomHex returns n random bytes in hexadecimal (2n characters), for secrets and names.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Main runs a benchmark's main function, run, with a context that ends on SIGINT or SIGTERM and
// the command-line arguments (without the program's name). When run fails it prints
// "name: error" on standard error and exits with status 1.
func Main(name string, run func(ctx context.Context, args []string) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	ExitOnError(name, err)
}

// ExitOnError prints "name: err" on standard error and exits with status 1 when err is not nil;
// it does nothing otherwise.
func ExitOnError(name string, err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// BuildBana builds ./cmd/bana (the working directory must be the repository's root) into the
// executable out, with the compiler's output on standard error.
func BuildBana(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/bana")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// WriteReport writes a report to the file path, creating its folder when it is missing.
func WriteReport(path, report string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(report), 0o644)
}
