package commerce_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
)

// Contended writes of the catalog: N at once, exactly one wins.
func TestConcurrentWrites(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const n = 8
		ctx := auth.System(context.Background())

		// N onboardings of one seller: one merchant, everyone gets it.
		var wg sync.WaitGroup
		results := make([]*commerce.Onboarding, n)
		fails := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], fails[i] = e.App.Commerce.Onboard(ctx, commerce.OnboardInput{OrganizerID: 900, Name: "Cơm tấm Ba Ghiền", Key: commerce.SellerRegisteredKey})
			}()
		}
		wg.Wait()
		created := 0
		for i := range n {
			if fails[i] != nil {
				t.Fatalf("onboarding %d: %v", i, fails[i])
			}
			if results[i].Created {
				created++
			}
			if results[i].Merchant.ID != results[0].Merchant.ID || len(results[i].Categories) != 6 {
				t.Fatalf("onboarding %d: %+v", i, results[i])
			}
		}
		if created != 1 || count(t, e, `SELECT count(*) FROM merchants WHERE organizer_id = 900`) != 1 ||
			eventCount(t, e, "CommerceInitialized", map[string]string{"organizerId": "900"}) != 1 {
			t.Fatalf("%d created", created)
		}
		mid := results[0].Merchant.ID

		// N products with one SKU: one 201, the rest 409.
		owner := e.OwnerToken(900)
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.Do(apptest.Request{Method: "POST", Path: "/products", Token: owner, Body: map[string]any{
					"merchantId": mid.String(), "name": "Cơm tấm sườn", "variants": []any{map[string]any{"price": 55000, "sku": "COM-SUON"}}}}).Status
			}()
		}
		wg.Wait()
		if c := tally(statuses); c[http.StatusCreated] != 1 || c[http.StatusConflict] != n-1 {
			t.Fatalf("statuses %v", c)
		}

		// N devices with one code: one enrolled, the rest 401.
		code := post(e, 201, owner, "/devices/enrollment-codes", map[string]any{"merchantId": mid.String()})["code"]
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.Do(apptest.Request{Method: "POST", Path: "/devices/enroll", Body: map[string]any{"code": code}}).Status
			}()
		}
		wg.Wait()
		if c := tally(statuses); c[http.StatusCreated] != 1 || c[http.StatusUnauthorized] != n-1 {
			t.Fatalf("statuses %v", c)
		}
		if k := count(t, e, `SELECT count(*) FROM devices WHERE merchant_id = ?`, mid); k != 1 {
			t.Fatalf("%d devices", k)
		}
	})
}

func tally(l []int) map[int]int {
	out := map[int]int{}
	for _, s := range l {
		out[s]++
	}
	return out
}
