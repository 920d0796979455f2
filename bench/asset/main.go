// Command asset measures the asset module's upload and download throughput through the real
// server (bin/bana on loopback, SQLite), on local disk and on MinIO, next to references doing
// the same work without BANA in the same run. Disk upload: POST /assets (multipart, streamed,
// fsynced) against cp of the same file on the same file system, and cp followed by sync of the
// copy (BANA syncs every object). Disk download: GET of the signed link against cat of the
// stored file (both from the page cache). S3 upload: POST /assets with APP_ENV_MINIO_* against
// a plain minio-go client putting the file (with its known size, and as a stream of unknown
// length in BANA's 8 MiB parts). S3 download: GET of the presigned link BANA hands out against
// minio-go's GetObject.
//
//	go run ./bench/asset [-size 256] [-runs 3] [-only disk|s3]
//
// MinIO is BANA_TEST_MINIO_BIN (see .ci/run); without it the S3 part is skipped. Each figure is
// the median of -runs runs, in MiB/s; the ratios are BANA's over the reference's.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/bench/benchkit"
	"github.com/banapos/bana/internal/asset/assettest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() { benchkit.Main("asset bench", run) }

type options struct {
	size int64
	runs int
	only string
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("asset", flag.ContinueOnError)
	size := fs.Int64("size", 256, "object size in MiB")
	runs := fs.Int("runs", 3, "runs of each measurement (the median is reported)")
	only := fs.String("only", "", "disk or s3")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := options{size: *size << 20, runs: max(1, *runs), only: *only}
	dir, err := os.MkdirTemp("", "bana-bench-asset-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bana")
	if err := benchkit.BuildBana(ctx, bin); err != nil {
		return err
	}
	src := filepath.Join(dir, "source.bin")
	if err := writeSource(src, o.size); err != nil {
		return err
	}
	var report strings.Builder
	fmt.Fprintf(&report, "# asset throughput, %d MiB objects, median of %d runs (MiB/s)\n\n", o.size>>20, o.runs)
	fmt.Fprintf(&report, "| measurement | BANA | reference | ratio |\n|---|---|---|---|\n")
	if o.only == "" || o.only == "disk" {
		if err := benchDisk(ctx, o, bin, dir, src, &report); err != nil {
			return fmt.Errorf("disk: %w", err)
		}
	}
	if o.only == "" || o.only == "s3" {
		if os.Getenv(assettest.EnvMinIO) == "" {
			fmt.Fprintf(&report, "\nS3 skipped: %s is not set.\n", assettest.EnvMinIO)
		} else if err := benchS3(ctx, o, bin, dir, src, &report); err != nil {
			return fmt.Errorf("s3: %w", err)
		}
	}
	fmt.Print(report.String())
	return benchkit.WriteReport(filepath.Join("bench", "results", "asset.md"), report.String())
}

// writeSource writes size bytes of a generated pattern (incompressible enough, not zeros).
func writeSource(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	block := make([]byte, 1<<20)
	x := uint64(88172645463325252)
	for i := range block {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		block[i] = byte(x)
	}
	for left := size; left > 0; left -= int64(len(block)) {
		if _, err := f.Write(block[:min(int64(len(block)), left)]); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

// server is a running bana with an owner's token.
type server struct {
	srv   *benchkit.Server
	token string
	data  string
}

func startBana(ctx context.Context, bin, dir string, extra map[string]string) (*server, error) {
	port, err := benchkit.FreePort()
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp(dir, "data-")
	if err != nil {
		return nil, err
	}
	jwt := benchkit.RandomHex(24)
	env := map[string]string{"APP_ENV_NODE_ENV": "development", "APP_ENV_DATA_DIR": data, "APP_ENV_APPLICATION_SECRET": benchkit.RandomHex(24),
		"APP_ENV_JWT_SECRET": jwt, "APP_ENV_LOG_LEVEL": "warn", "APP_ENV_SERVER_HOST": "127.0.0.1", "APP_ENV_SERVER_PORT": strconv.Itoa(port)}
	for k, v := range extra {
		env[k] = v
	}
	s, err := benchkit.StartServer(benchkit.ServerConfig{Bin: bin, Args: []string{"serve"}, Dir: data, Env: env, Port: port})
	if err != nil {
		return nil, err
	}
	if err := s.WaitReady(ctx, http.DefaultClient, "/api/ready", 60*time.Second); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("%w: %s", err, s.LogTail(20))
	}
	tokens, err := auth.NewTokens(jwt, time.Hour)
	if err != nil {
		return nil, err
	}
	tok, _, err := tokens.Issue(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 100,
		Permissions: []string{"*"}, Kind: auth.KindUser}, 0)
	if err != nil {
		return nil, err
	}
	return &server{srv: s, token: tok, data: data}, nil
}

// uploaded is the part of a row the benchmark reads.
type uploaded struct {
	ID         string `json:"id"`
	BucketName string `json:"bucketName"`
	ObjectName string `json:"objectName"`
	Link       string `json:"link"`
	Size       int64  `json:"size"`
}

// upload streams the file to POST /assets as one FILE part (chunked, as a browser's stream).
func (s *server) upload(src string) (uploaded, error) {
	f, err := os.Open(src)
	if err != nil {
		return uploaded{}, err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		p, err := mw.CreateFormFile("file", "export.bin")
		if err == nil {
			_, err = io.CopyBuffer(p, f, make([]byte, 256<<10))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, s.srv.Root+"/api/assets?principalType=ORGANIZER&principalId=100&kind=FILE", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return uploaded{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		return uploaded{}, fmt.Errorf("upload: %d %.300s", resp.StatusCode, body)
	}
	var rows []uploaded
	if err := json.Unmarshal(body, &rows); err != nil || len(rows) != 1 {
		return uploaded{}, fmt.Errorf("upload: %v %.300s", err, body)
	}
	return rows[0], nil
}

// get downloads a link (absolute, or below the server's root) and counts its bytes.
func get(root, link string) (int64, error) {
	if strings.HasPrefix(link, "/") {
		link = root + link
	}
	resp, err := http.Get(link)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("download: %d", resp.StatusCode)
	}
	return io.CopyBuffer(io.Discard, resp.Body, make([]byte, 256<<10))
}

// measure runs f runs times and returns the median throughput in MiB/s of size bytes.
func measure(runs int, size int64, f func(i int) error) (float64, error) {
	var rates []float64
	for i := 0; i < runs; i++ {
		t0 := time.Now()
		if err := f(i); err != nil {
			return 0, err
		}
		rates = append(rates, float64(size)/(1<<20)/time.Since(t0).Seconds())
	}
	sort.Float64s(rates)
	return rates[len(rates)/2], nil
}

func row(report *strings.Builder, what string, bana, ref float64, refName string) {
	fmt.Fprintf(report, "| %s (reference: %s) | %.0f | %.0f | %.2f |\n", what, refName, bana, ref, bana/ref)
	fmt.Fprintf(os.Stderr, "%s: BANA %.0f MiB/s, %s %.0f MiB/s, ratio %.2f\n", what, bana, refName, ref, bana/ref)
}

func command(name string, args ...string) func(int) error {
	return func(int) error {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", name, err, out)
		}
		return nil
	}
}

func benchDisk(ctx context.Context, o options, bin, dir, src string, report *strings.Builder) error {
	s, err := startBana(ctx, bin, dir, nil)
	if err != nil {
		return err
	}
	defer s.srv.Stop()
	var last uploaded
	bana, err := measure(o.runs, o.size, func(int) error {
		last, err = s.upload(src)
		return err
	})
	if err != nil {
		return err
	}
	dst := filepath.Join(s.data, "assets", "cp-copy.bin")
	cp, err := measure(o.runs, o.size, command("cp", src, dst))
	if err != nil {
		return err
	}
	cpSync, err := measure(o.runs, o.size, func(int) error {
		if err := command("cp", src, dst)(0); err != nil {
			return err
		}
		return command("sync", dst)(0)
	})
	if err != nil {
		return err
	}
	row(report, "disk upload", bana, cp, "cp")
	row(report, "disk upload", bana, cpSync, "cp + sync")
	stored := filepath.Join(s.data, "assets", last.BucketName, last.ObjectName)
	down, err := measure(o.runs, o.size, func(int) error {
		n, err := get(s.srv.Root, last.Link)
		if err == nil && n != o.size {
			err = fmt.Errorf("downloaded %d bytes", n)
		}
		return err
	})
	if err != nil {
		return err
	}
	cat, err := measure(o.runs, o.size, func(int) error {
		cmd := exec.Command("cat", stored)
		cmd.Stdout = io.Discard
		return cmd.Run()
	})
	if err != nil {
		return err
	}
	row(report, "disk download (signed link)", down, cat, "cat")
	return nil
}

func benchS3(ctx context.Context, o options, bin, dir, src string, report *strings.Builder) error {
	mdir, err := os.MkdirTemp(dir, "minio-")
	if err != nil {
		return err
	}
	m, stop, err := assettest.Run(os.Getenv(assettest.EnvMinIO), mdir)
	if err != nil {
		return err
	}
	defer stop()
	s, err := startBana(ctx, bin, dir, m.Vars("bana"))
	if err != nil {
		return err
	}
	defer s.srv.Stop()
	client, err := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		return err
	}
	if err := client.MakeBucket(ctx, "plain", minio.MakeBucketOptions{}); err != nil {
		return err
	}
	var last uploaded
	bana, err := measure(o.runs, o.size, func(int) error {
		last, err = s.upload(src)
		return err
	})
	if err != nil {
		return err
	}
	put := func(size int64, opts minio.PutObjectOptions) func(int) error {
		return func(i int) error {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = client.PutObject(ctx, "plain", "object-"+strconv.Itoa(i), f, size, opts)
			return err
		}
	}
	plain, err := measure(o.runs, o.size, put(o.size, minio.PutObjectOptions{ContentType: "application/octet-stream"}))
	if err != nil {
		return err
	}
	stream, err := measure(o.runs, o.size, put(-1, minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: 8 << 20}))
	if err != nil {
		return err
	}
	row(report, "S3 upload", bana, plain, "minio-go PutObject, known size")
	row(report, "S3 upload", bana, stream, "minio-go PutObject, stream, 8 MiB parts")
	down, err := measure(o.runs, o.size, func(int) error {
		n, err := get(s.srv.Root, last.Link)
		if err == nil && n != o.size {
			err = fmt.Errorf("downloaded %d bytes", n)
		}
		return err
	})
	if err != nil {
		return err
	}
	ref, err := measure(o.runs, o.size, func(int) error {
		obj, err := client.GetObject(ctx, "plain", "object-0", minio.GetObjectOptions{})
		if err != nil {
			return err
		}
		defer obj.Close()
		_, err = io.CopyBuffer(io.Discard, obj, make([]byte, 256<<10))
		return err
	})
	if err != nil {
		return err
	}
	row(report, "S3 download (presigned link)", down, ref, "minio-go GetObject")
	return nil
}
