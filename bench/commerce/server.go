package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// process is a server under test listening on its own loopback port.
type process struct {
	cmd  *exec.Cmd
	Root string
	log  string
	done chan struct{}
	err  error
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs bin args in dir with this process's environment minus APP_ENV_* plus env, and
// waits until readyPath answers 200.
func start(ctx context.Context, bin string, args []string, dir string, env map[string]string, readyPath string) (*process, error) {
	logf, err := os.Create(filepath.Join(dir, filepath.Base(bin)+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "APP_ENV_") && !strings.HasPrefix(kv, "BANA_LOOKUP_BASELINE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &process{cmd: cmd, log: logf.Name(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	p.Root = "http://127.0.0.1:" + env["APP_ENV_SERVER_PORT"]
	if a := env[baselineAddrEnv]; a != "" {
		p.Root = "http://" + a
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.Root + readyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready (%v): %s", filepath.Base(bin), p.err, p.tail())
		case <-ctx.Done():
			_ = p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	_ = p.stop()
	return nil, fmt.Errorf("%s not ready after 60s: %s", filepath.Base(bin), p.tail())
}

// startBana serves the API from bin on a free port.
func startBana(ctx context.Context, bin, dir string, env map[string]string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env["APP_ENV_SERVER_HOST"] = "127.0.0.1"
	env["APP_ENV_SERVER_PORT"] = strconv.Itoa(port)
	return start(ctx, bin, []string{"serve"}, dir, env, "/api/ready")
}

// startBaseline starts this program again as the hand-written baseline.
func startBaseline(ctx context.Context, dir, dialect, dsn, secret string) (*process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
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
	return start(ctx, self, nil, dir, env, "/health")
}

func (p *process) tail() string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// stop sends SIGTERM and waits up to 20 seconds, then kills.
func (p *process) stop() error {
	select {
	case <-p.done:
		return fmt.Errorf("had already exited: %v", p.err)
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("did not stop within 20s; killed")
	}
	return nil
}

// memory reads the resident set and its peak from /proc.
func (p *process) memory() string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return "unknown"
	}
	var rss, hwm string
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "VmRSS":
			rss = strings.TrimSpace(v)
		case "VmHWM":
			hwm = strings.TrimSpace(v)
		}
	}
	return rss + " (peak " + hwm + ")"
}

// tempDatabase is a PostgreSQL database made for the run.
type tempDatabase struct {
	admin, Name, URL string
}

func createDatabase(ctx context.Context, adminURL, prefix string) (*tempDatabase, error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("the PostgreSQL URL must be a postgres:// URL")
	}
	if h := u.Hostname(); h != "localhost" && !(net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback()) {
		return nil, fmt.Errorf("PostgreSQL host %q is not on loopback", h)
	}
	name := prefix + "_" + randomHex(4)
	if err := adminExec(ctx, adminURL, `CREATE DATABASE "`+name+`"`); err != nil {
		return nil, err
	}
	u.Path = "/" + name
	return &tempDatabase{admin: adminURL, Name: name, URL: u.String()}, nil
}

func (d *tempDatabase) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = adminExec(ctx, d.admin, `DROP DATABASE IF EXISTS "`+d.Name+`" WITH (FORCE)`)
}

func adminExec(ctx context.Context, adminURL, sql string) error {
	c, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

type pgbenchResult struct{ TPS float64 }

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+)`)

// runPgbench measures select-only pgbench on a scratch database of the same server.
func runPgbench(ctx context.Context, o *options) (*pgbenchResult, error) {
	tdb, err := createDatabase(ctx, o.PostgresURL, "bana_lookup_pgbench")
	if err != nil {
		return nil, err
	}
	defer tdb.drop()
	if out, err := exec.CommandContext(ctx, o.Pgbench, "-i", "-q", "-s", "1", tdb.URL).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgbench -i: %v: %s", err, out)
	}
	secs := strconv.Itoa(int(o.Duration.Seconds()))
	out, err := exec.CommandContext(ctx, o.Pgbench, "-S", "-n", "-c", strconv.Itoa(o.Concurrency), "-j", "2", "-T", secs, tdb.URL).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgbench -S: %v: %s", err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("no tps in pgbench output: %s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return &pgbenchResult{TPS: tps}, nil
}
