// Package assettest starts a real MinIO server for the asset tests and benchmarks: the binary
// named by BANA_TEST_MINIO_BIN (built once with go install from the Go module proxy; .ci/run
// does it), on a free loopback port, over a fresh data directory, stopped when the test ends.
// Without the variable, the tests that need it are skipped with a message saying how to run them.
package assettest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// EnvMinIO names the MinIO binary.
const EnvMinIO = "BANA_TEST_MINIO_BIN"

// MinIO is a running server.
type MinIO struct {
	Endpoint  string // 127.0.0.1:port
	Host      string
	Port      int
	AccessKey string
	SecretKey string
}

// Vars are the APP_ENV_MINIO_* settings that point BANA at the server, with its own bucket.
func (m MinIO) Vars(bucket string) map[string]string {
	return map[string]string{"APP_ENV_MINIO_HOST": m.Host, "APP_ENV_MINIO_API_PORT": strconv.Itoa(m.Port),
		"APP_ENV_MINIO_ACCESS_KEY": m.AccessKey, "APP_ENV_MINIO_SECRET_KEY": m.SecretKey, "APP_ENV_MINIO_BUCKET": bucket}
}

// Start starts MinIO for t, or skips t when BANA_TEST_MINIO_BIN is unset.
func Start(t testing.TB) MinIO {
	t.Helper()
	bin := os.Getenv(EnvMinIO)
	if bin == "" {
		t.Skip(EnvMinIO + " is not set: build MinIO with `go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c` " +
			"and set it to the binary to run the S3 tests")
	}
	m, stop, err := Run(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return m
}

// Run starts MinIO from bin over dir and waits until it is ready; stop ends it.
func Run(bin, dir string) (MinIO, func(), error) {
	port, err := freePort()
	if err != nil {
		return MinIO{}, nil, err
	}
	console, err := freePort()
	if err != nil {
		return MinIO{}, nil, err
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	m := MinIO{Host: "127.0.0.1", Port: port, Endpoint: "127.0.0.1:" + strconv.Itoa(port), AccessKey: "bana-test",
		SecretKey: hex.EncodeToString(secret)}
	cmd := exec.Command(bin, "server", dir, "--address", m.Endpoint, "--console-address", "127.0.0.1:"+strconv.Itoa(console), "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return MinIO{}, nil, fmt.Errorf("starting MinIO (%s): %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	// Readiness is MinIO's own answer; the deadline only bounds a server that never comes up.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.Endpoint+"/minio/health/ready", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m, stop, nil
			}
		}
		select {
		case err := <-exited:
			return MinIO{}, nil, fmt.Errorf("MinIO exited before it was ready: %v", err)
		case <-ctx.Done():
			stop()
			return MinIO{}, nil, fmt.Errorf("MinIO was not ready within a minute")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
