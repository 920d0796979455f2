package signal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/sale"
	"github.com/banapos/bana/internal/signal"
)

// chromium is the Debian package's browser.
const chromium = "/usr/bin/chromium"

// TestBrowserClient runs examples/signal (plain JavaScript over WebCrypto) in headless Chromium
// against the real server: it connects, does the handshake, joins a kitchen station, and
// receives and decrypts a kitchen ticket that sale's topic carried.
func TestBrowserClient(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("headless Chromium test skipped: " + chromium + " is absent (apt-get install chromium)")
	}
	e := apptest.Start(t, dbtest.Targets(t)[0], nil)
	org := e.App.IDs.Next()
	mer := e.Merchant(org)
	room := "merchant." + mer.String() + ".station." + commerce.DefaultStationCode

	reports := make(chan map[string]any, 16)
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("../../examples/signal")))
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) == nil {
			reports <- m
		}
	})
	page := httptest.NewServer(mux)
	defer page.Close()
	q := url.Values{"url": {streamURL(e)}, "token": {employee(e, org, mer)}, "room": {room}, "report": {page.URL + "/report"}}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), page.URL+"/index.html?"+q.Encode())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	await := func(step string) map[string]any {
		t.Helper()
		for {
			select {
			case m := <-reports:
				if m["step"] == "error" || m["step"] == "closed" {
					t.Fatalf("the browser client: %v", m)
				}
				if m["step"] == step {
					return m
				}
			case <-ctx.Done():
				t.Fatalf("the browser client did not report %s", step)
			}
		}
	}
	await("joined")
	ticket := sale.TicketEvent{Type: sale.EventTicketCreated, Ticket: sale.KitchenTicket{ID: 77, OrderID: 42, MerchantID: mer,
		StationCode: commerce.DefaultStationCode}}
	// As sale announces a ticket (internal/sale: the station's topic on the realtime hub).
	e.App.Live.Broadcast(ctx, "merchant."+mer.String()+".kitchen."+commerce.DefaultStationCode, ticket)
	msg := await("message")["message"].(map[string]any)
	data, _ := msg["data"].(map[string]any)
	tk, _ := data["ticket"].(map[string]any)
	if msg["topic"] != signal.TopicTicket || msg["room"] != room || data["type"] != sale.EventTicketCreated || tk["orderId"] != "42" {
		t.Fatalf("the browser got %v", msg)
	}
}
