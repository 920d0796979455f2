package benchkit

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
	"sync"
	"syscall"
	"time"
)

// FreePort asks the kernel for a free loopback port. Another process could take it before the
// server binds it; the server then fails to start with a clear message rather than measuring
// the wrong thing.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ServerConfig says how to start a server process.
type ServerConfig struct {
	Bin  string            // the executable
	Args []string          // its arguments
	Dir  string            // its working directory, where its log is written too
	Env  map[string]string // variables added to its environment
	Port int               // the loopback port it listens on
	// Hide lists prefixes of the variables of this process's environment the server must not
	// inherit, besides APP_ENV_*, which it never inherits (a developer's settings must not leak
	// in).
	Hide []string
	// Log is the name of the file in Dir its output goes to; server.log when empty.
	Log string
}

// Server is a process under test, `bana serve` or a hand-written baseline, listening on a
// loopback port of its own.
type Server struct {
	Addr string // 127.0.0.1:port
	Root string // http://127.0.0.1:port

	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // the exit status, once done is closed

	stopOnce sync.Once
	stopErr  error
}

// StartServer starts the server c describes and returns without waiting for it to be ready
// (see WaitReady).
func StartServer(c ServerConfig) (*Server, error) {
	logName := c.Log
	if logName == "" {
		logName = "server.log"
	}
	logFile, err := os.Create(filepath.Join(c.Dir, logName))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.Bin, c.Args...)
	cmd.Dir = c.Dir
	for _, kv := range os.Environ() {
		if !hidden(kv, c.Hide) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range c.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", filepath.Base(c.Bin), err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(c.Port)
	s := &Server{cmd: cmd, Addr: addr, Root: "http://" + addr, log: logFile, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// hidden tells whether the environment entry kv (name=value) is APP_ENV_* or starts with one
// of prefixes.
func hidden(kv string, prefixes []string) bool {
	if strings.HasPrefix(kv, "APP_ENV_") {
		return true
	}
	for _, p := range prefixes {
		if strings.HasPrefix(kv, p) {
			return true
		}
	}
	return false
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// WaitReady polls path with client until it answers 200, the process exits, ctx ends, or
// timeout passes.
func (s *Server) WaitReady(ctx context.Context, client *http.Client, path string, timeout time.Duration) error {
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
			return fmt.Errorf("server exited before it was ready (%v); its log:\n%s", s.err, s.LogTail(30))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("server not ready after %s (last answer: %s); its log:\n%s", timeout, last, s.LogTail(30))
}

// Stop asks the server to shut down (SIGTERM), and kills it if it has not exited within 20
// seconds. It reports an unclean exit, or that the server had exited before. Only the first
// call stops the server; later ones return what it returned, so that a deferred Stop is
// harmless after an explicit one.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
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
		return fmt.Errorf("server exit: %v; its log:\n%s", s.err, s.LogTail(30))
	}
	return nil
}

// Kill ends the server at once with SIGKILL, as a crash or `kill -9` would: no shutdown code
// runs. It returns once the process has exited. Like Stop, only the first of Stop and Kill acts;
// a later Stop returns what Kill returned.
func (s *Server) Kill() error {
	s.stopOnce.Do(func() {
		defer s.log.Close()
		select {
		case <-s.done:
			s.stopErr = fmt.Errorf("server had already exited: %v; its log:\n%s", s.err, s.LogTail(30))
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			s.stopErr = err
		}
		<-s.done
	})
	return s.stopErr
}

// LogTail returns the last n lines the server wrote.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func readSome(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return strings.TrimSpace(string(b))
}
