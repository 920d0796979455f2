package requestid

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerAddsTheRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil))).With("module", "sale")
	ctx := With(context.Background(), "abc123")
	log.InfoContext(ctx, "order paid", "order", 7)
	log.Info("no request")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	if !strings.Contains(lines[0], "request_id=abc123") || !strings.Contains(lines[0], "module=sale") {
		t.Errorf("line of a request lacks its id or attrs: %s", lines[0])
	}
	if strings.Contains(lines[1], "request_id") {
		t.Errorf("line outside a request has a request id: %s", lines[1])
	}
	if From(context.Background()) != "" || From(ctx) != "abc123" {
		t.Error("From")
	}
}
