package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a process under test: `bana serve` or the hand-written baseline, listening on a
// loopback port of its own.
type server struct {
	cmd  *exec.Cmd
	Addr string // 127.0.0.1:port
	Root string // http://127.0.0.1:port
	log  *os.File
	done chan struct{}
	err  error // the exit status, once done is closed
}

// freePort asks the kernel for a free loopback port. Another process could take it before the
// server binds it; start then fails with a clear message rather than measuring the wrong thing.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs bin with args in dir, with the environment of this process minus every
// APP_ENV_* variable (so a developer's settings cannot leak in) plus env.
func startServer(bin string, args []string, dir string, env map[string]string, port int) (*server, error) {
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "APP_ENV_") && !strings.HasPrefix(kv, "BANA_BENCH_BASELINE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	s := &server{cmd: cmd, Addr: addr, Root: "http://" + addr, log: logFile, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// Pid is the server's process id.
func (s *server) Pid() int { return s.cmd.Process.Pid }

// waitReady polls path until it answers 200, the process exits, or timeout passes.
func (s *server) waitReady(ctx context.Context, client *http.Client, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Root+path, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body := readSome(resp)
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("status %d: %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited before it was ready (%v); its log:\n%s", s.err, s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("server not ready after %s (last answer: %s); its log:\n%s", timeout, last, s.logTail())
}

// stop asks the server to shut down (SIGTERM), and kills it if it has not exited within 20
// seconds. It reports an unclean exit.
func (s *server) stop() error {
	defer s.log.Close()
	select {
	case <-s.done:
		return fmt.Errorf("server had already exited: %v", s.err)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("server did not stop within 20s of SIGTERM; killed")
	}
	if s.err != nil {
		return fmt.Errorf("server exit: %v; its log:\n%s", s.err, s.logTail())
	}
	return nil
}

// logTail returns the last lines the server wrote.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

func readSome(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return strings.TrimSpace(string(b))
}

// memory is a process's resident memory, from /proc/<pid>/status.
type memory struct {
	RSS  int64 // VmRSS, bytes
	Peak int64 // VmHWM, bytes
}

func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			m.RSS = n << 10
		case "VmHWM":
			m.Peak = n << 10
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS for process %d", pid)
	}
	return m, nil
}
