package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
)

// fixture is the seeded catalog: who asks and what they scan.
type fixture struct {
	Token      string
	MerchantID string
	Codes      []scan
}

// scan is one code a till sends and the SKU it must find.
type scan struct {
	Kind, Code, SKU string
}

func (f *fixture) kinds() map[string]int {
	out := map[string]int{}
	for _, s := range f.Codes {
		out[s.Kind]++
	}
	return out
}

const organizer = 4242

// seed creates a merchant with weighed-item formats and n products through the API.
func seed(ctx context.Context, root, jwtSecret string, n int) (*fixture, error) {
	tokens, err := auth.NewTokens(jwtSecret, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	tok, _, err := tokens.Issue(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: organizer,
		Permissions: []string{"*"}}, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	f := &fixture{Token: tok}
	c := &http.Client{Timeout: 30 * time.Second}
	var m map[string]any
	if err := call(ctx, c, root, tok, "POST", "/api/merchants", map[string]any{"name": "Siêu thị Bến Thành (benchmark)", "type": "DEFAULT",
		"barcodeConfig": map[string]any{"weighted": []any{map[string]any{"prefixes": []string{"20"}, "value": "PRICE"}}}}, &m); err != nil {
		return nil, err
	}
	f.MerchantID = m["id"].(string)

	type job struct{ i int }
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				body, scans := productBody(j.i)
				body["merchantId"] = f.MerchantID
				err := call(ctx, c, root, tok, "POST", "/api/products", body, nil)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				f.Codes = append(f.Codes, scans...)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		jobs <- job{i}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return f, nil
}

// productBody is product i and the codes a till may scan for it.
func productBody(i int) (map[string]any, []scan) {
	sku := fmt.Sprintf("SP-%06d", i)
	ean, _ := commerce.WithCheckDigit(fmt.Sprintf("8936%08d", i))
	v := map[string]any{"price": 10000 + int64(i%200)*500, "sku": sku}
	idents := []any{map[string]any{"type": "EAN13", "code": ean}}
	scans := []scan{{"SKU", sku, sku}, {"SKU", strings.ToLower(sku), sku}, {"EAN13", ean, sku}, {"EAN13", ean, sku}}
	if i%4 == 0 {
		upc, _ := commerce.WithCheckDigit(fmt.Sprintf("042%08d", i))
		idents = append(idents, map[string]any{"type": "UPCA", "code": upc})
		scans = append(scans, scan{"UPCA", upc, sku}, scan{"UPCA", upc, sku})
	}
	if i%10 == 0 {
		plu := fmt.Sprintf("%05d", i/10)
		idents = append(idents, map[string]any{"type": "PLU", "code": plu})
		label, _ := commerce.WithCheckDigit(fmt.Sprintf("20%s%05d", plu, rand.IntN(100000)))
		scans = append(scans, scan{"WEIGHED", label, sku}, scan{"WEIGHED", label, sku})
	}
	v["identifiers"] = idents
	return map[string]any{"name": fmt.Sprintf("Sản phẩm số %d", i), "variants": []any{v}}, scans
}

func call(ctx context.Context, c *http.Client, root, tok, method, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, root+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
