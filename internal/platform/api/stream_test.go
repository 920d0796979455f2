package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/danielgtaylor/huma/v2"
)

// streamIn reads its body itself, as an upload does.
type streamIn struct {
	body io.Reader
}

func (in *streamIn) Resolve(ctx huma.Context) []error {
	in.body = BodyStream(ctx, time.Minute)
	return nil
}

type streamOut struct {
	Body struct {
		Bytes int64 `json:"bytes"`
	}
}

// TestStreamedBodyHasItsOwnLimit: an operation registered with a MaxBodyBytes above the server's
// reads a body larger than the server's limit, as a stream and whatever its content type says,
// up to its own limit; every other operation keeps the server's limit.
func TestStreamedBodyHasItsOwnLimit(t *testing.T) {
	s := New(Options{Title: "t", Version: "1", BasePath: "/api", MaxBodyBytes: 1024, Logger: slog.New(slog.DiscardHandler)})
	count := func(ctx context.Context, in *streamIn) (*streamOut, error) {
		n, err := io.Copy(io.Discard, in.body)
		if err != nil {
			return nil, err
		}
		out := &streamOut{}
		out.Body.Bytes = n
		return out, nil
	}
	Register(s, huma.Operation{OperationID: "stream", Method: http.MethodPost, Path: "/things/{id}/stream", MaxBodyBytes: 64 << 10},
		auth.Requirement{Public: true}, count)
	Register(s, huma.Operation{OperationID: "plain", Method: http.MethodPost, Path: "/things/{id}/plain"},
		auth.Requirement{Public: true}, count)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	cases := []struct {
		name, path, ctype string
		size              int
		status            int
	}{
		{"a streamed body past the server's limit", "/api/things/1/stream", "application/octet-stream", 32 << 10, 200},
		// The text rule would refuse a NUL in a JSON body (400): a stream is its operation's to read.
		{"a streamed JSON body is not read by the text check", "/api/things/1/stream", "application/json", 0, 200},
		{"a streamed body past its own limit", "/api/things/1/stream", "application/octet-stream", 65<<10 + 1, 413},
		{"a chunked streamed body past its own limit", "/api/things/1/stream", "chunked", 65<<10 + 1, 413},
		{"another operation keeps the server's limit", "/api/things/1/plain", "application/octet-stream", 2048, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("a", c.size))
			if c.size == 0 {
				body = strings.NewReader(`{"note":"a\u0000b"}`)
			}
			ctype := c.ctype
			if ctype == "chunked" {
				// No length: sent chunked, so only the reader's limit stops it.
				body, ctype = io.MultiReader(body), "application/octet-stream"
			}
			resp, err := http.Post(srv.URL+c.path, ctype, body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, raw)
			}
		})
	}
}
