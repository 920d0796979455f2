package pricing

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
)

// BenchmarkQuoteService measures Module.Quote with the merchant's engine cached, on a real
// database: the demo café's rules and promotions stored through the API, the catalog read from
// its tables. Each quote reads the merchant and the variants from the catalog, the merchant's
// pricing version, the usage of CHAOBAN (a code with limits) and runs the engine. The
// "catalog memoized" runs serve the catalog from memory after the first read, so they show
// pricing's own cost: the version check, the usage count and the engine. "rebuild" is what the
// cache saves on each quote: reading the merchant's pricing rows and compiling the engine.
//
//	go test ./internal/pricing -run '^$' -bench QuoteService -benchtime 2s
func BenchmarkQuoteService(b *testing.B) {
	for _, tg := range dbtest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			d := dbtest.Open(b, tg)
			m, err := db.NewMigrator(d, migrationsOnly.Migrations(), catalogMigrations)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Up(context.Background()); err != nil {
				b.Fatal(err)
			}
			e := newEnv(b, d)
			e.seedPricing(b)
			small := e.input(at("2025-03-05 14:30:00"), "TAKE_AWAY",
				e.qline(b, "CF-SUA", 2, "Vừa (M)", "Ít đường"), e.qline(b, "TR-DAO", 1, "Lớn (L)", "Ít đường", "Trân châu đen"),
				e.qline(b, "BM-THIT", 3), e.qline(b, "NS-500", 10))
			small.CustomerID, small.PromotionCodes = 42, []string{"CHAOBAN"}
			large := small
			large.Lines = nil
			skus := []string{"CF-DEN", "CF-SUA", "CF-BX", "CF-MUOI", "TR-DAO", "TR-VAI", "TS-TC", "NE-CAM", "BM-THIT", "BM-OPLA"}
			for i := range 20 {
				// Each line with the choices the catalog requires of it (SIZE, SUGAR), some in L.
				size := "Nhỏ (S)"
				if i%2 == 0 && i%10 < 8 {
					size = "Lớn (L)"
				}
				options := map[string][]string{"CF-MUOI": {size}, "NE-CAM": {"Ít đường"}, "BM-THIT": nil, "BM-OPLA": nil}
				sku := skus[i%len(skus)]
				opts, ok := options[sku]
				if !ok {
					opts = []string{size, "Ít đường"}
				}
				large.Lines = append(large.Lines, e.qline(b, sku, int64(1+i%3), opts...))
			}
			memo := &memoCatalog{Catalog: e.cat}
			direct := e.mod
			memoized := New(Deps{Platform: module.Platform{DB: d, IDs: e.mod.ids, Clock: e.clock, Log: e.mod.log}, Catalog: memo})
			// What the cache saves each quote: reading and compiling the merchant's pricing.
			b.Run("rebuild", func(b *testing.B) {
				ctx := auth.System(context.Background())
				cm, err := e.cat.MerchantForQuote(ctx, merchantA)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.mod.load(ctx, merchantA, cm); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, c := range []struct {
				name string
				mod  *Module
				in   QuoteInput
			}{
				{"4 lines", direct, small},
				{"20 lines", direct, large},
				{"4 lines, catalog memoized", memoized, small},
				{"20 lines, catalog memoized", memoized, large},
			} {
				b.Run(c.name, func(b *testing.B) {
					ctx := auth.System(context.Background())
					q, err := c.mod.Quote(ctx, c.in)
					if err != nil {
						b.Fatal(err)
					}
					checkQuote(b, q)
					builds := c.mod.cache.builds.Load()
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						if _, err := c.mod.Quote(ctx, c.in); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "quotes/s")
					if n := c.mod.cache.builds.Load() - builds; n != 0 {
						b.Fatalf("the engine was rebuilt %d times", n)
					}
				})
			}
		})
	}
}

// BenchmarkQuoteHTTP measures POST /api/pricing/quote over loopback HTTP/1.1 keep-alive
// connections, with the module's routes on the platform's api.Server (JWT authentication, huma
// validation, problem+json), the engine cached and the catalog read from its tables: the demo
// café's 4-line order with CHAOBAN, from as many client goroutines as GOMAXPROCS x 4.
//
//	go test ./internal/pricing -run '^$' -bench QuoteHTTP -benchtime 3s
func BenchmarkQuoteHTTP(b *testing.B) {
	for _, tg := range dbtest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			d := dbtest.Open(b, tg)
			m, err := db.NewMigrator(d, migrationsOnly.Migrations(), catalogMigrations)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Up(context.Background()); err != nil {
				b.Fatal(err)
			}
			e := newEnv(b, d)
			e.seedPricing(b)
			raw, err := json.Marshal(quoteBody(merchantA, "2025-03-05T14:30:00+07:00", "TAKE_AWAY", 42, []string{"CHAOBAN"},
				e.lineOf(b, "CF-SUA", 2, "Vừa (M)", "Ít đường"), e.lineOf(b, "TR-DAO", 1, "Lớn (L)", "Ít đường", "Trân châu đen"),
				e.lineOf(b, "BM-THIT", 3), e.lineOf(b, "NS-500", 10)))
			if err != nil {
				b.Fatal(err)
			}
			auth := "Bearer " + e.cashier()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			post := func() error {
				req, _ := http.NewRequest("POST", e.url+"/pricing/quote", bytes.NewReader(raw))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", auth)
				res, err := client.Do(req)
				if err != nil {
					return err
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					return &httpError{res.StatusCode, string(body)}
				}
				return nil
			}
			if err := post(); err != nil {
				b.Fatal(err)
			}
			b.Run("4 lines", func(b *testing.B) {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := post(); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "quotes/s")
			})
		})
	}
}

type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return http.StatusText(e.status) + ": " + e.body }

// memoCatalog answers from memory after the first read of each merchant and variant set, and
// the first check of each line's options.
type memoCatalog struct {
	Catalog
	mu       sync.Mutex
	merchant map[id.ID]CatalogMerchant
	variants map[string]map[id.ID]CatalogVariant
	checks   map[string]error
}

func (c *memoCatalog) MerchantForQuote(ctx context.Context, merchantID id.ID) (CatalogMerchant, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.merchant[merchantID]; ok {
		return m, nil
	}
	m, err := c.Catalog.MerchantForQuote(ctx, merchantID)
	if err == nil {
		if c.merchant == nil {
			c.merchant = map[id.ID]CatalogMerchant{}
		}
		c.merchant[merchantID] = m
	}
	return m, err
}

// CheckModifiers remembers the catalog's answer for each variant and choice of options.
func (c *memoCatalog) CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error {
	key := merchantID.String() + "/" + variantID.String()
	for _, o := range optionIDs {
		key += "," + o.String()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err, ok := c.checks[key]; ok {
		return err
	}
	err := c.Catalog.CheckModifiers(ctx, merchantID, variantID, optionIDs)
	if c.checks == nil {
		c.checks = map[string]error{}
	}
	c.checks[key] = err
	return err
}

func (c *memoCatalog) VariantsForQuote(ctx context.Context, merchantID id.ID, ids []id.ID) (map[id.ID]CatalogVariant, error) {
	key := merchantID.String()
	for _, v := range ids {
		key += "," + v.String()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.variants[key]; ok {
		return v, nil
	}
	v, err := c.Catalog.VariantsForQuote(ctx, merchantID, ids)
	if err == nil {
		if c.variants == nil {
			c.variants = map[string]map[id.ID]CatalogVariant{}
		}
		c.variants[key] = v
	}
	return v, err
}
