package inventory_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

type reply struct {
	status int
	body   string
	err    error
}

// post is a request that may run in any goroutine (it reports errors instead of failing).
func post(e *apptest.Env, token, path string, body any, key string) reply {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", e.URL+path, bytes.NewReader(raw))
	if err != nil {
		return reply{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(b), err: err}
}

// 200 buyers, 1 unit: exactly one reservation succeeds, every other buyer gets a 422 that names
// the variant and what is available, and no quantity ever goes negative.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		last := w.item(t, w.store, 4242, 1, 15000)
		variant := w.v(t, 4242)
		const buyers = 200
		replies := make([]reply, buyers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies[i] = post(e, w.owner, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-" + string(rune('A'+i%26)) + string(rune('0'+i/26)),
					"lines": []map[string]any{{"variantId": variant, "quantity": 1}}}, "")
			}()
		}
		close(start)
		wg.Wait()
		won, lost := 0, 0
		for i, r := range replies {
			switch {
			case r.err != nil:
				t.Fatalf("buyer %d: %v", i, r.err)
			case r.status == 201:
				won++
			case r.status == 422 && strings.Contains(r.body, "only 0 available for variant "+variant) && strings.Contains(r.body, "body.lines[0].quantity"):
				lost++
			default:
				t.Fatalf("buyer %d: %d %s", i, r.status, r.body)
			}
		}
		if won != 1 || lost != buyers-1 {
			t.Fatalf("%d won, %d lost", won, lost)
		}
		if oh, res, av := w.stock(t, last); oh != 1 || res != 1 || av != 0 {
			t.Fatalf("stock after the rush: on hand %d, reserved %d, available %d", oh, res, av)
		}
		var n struct{ Count int }
		w.do(t, 200, "GET", "/inventory-reservations/count", nil, "", "").JSON(t, &n)
		if n.Count != 1 {
			t.Fatalf("%d reservations stored", n.Count)
		}
		w.reconciled(t)
	})
}
