package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// BenchmarkListConfigurations measures the list-with-filter path in process (handler, auth,
// filter compiler, query, scan, JSON), without the network: go test -bench List -cpuprofile.
func BenchmarkListConfigurations(b *testing.B) {
	for _, tg := range dbtest.Targets(b) {
		// The server and its rows are made once; b.Run calls its function once per b.N.
		e := apptest.Start(b, tg, apptest.Vars{"APP_ENV_LOG_LEVEL": "error"})
		for org := 1; org <= 4; org++ {
			tok := e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"*"}})
			for i := 0; i < 100; i++ {
				e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: tok,
					Body: map[string]any{"code": fmt.Sprintf("SHOP.K%03d_%d", i, org), "dataType": "TEXT", "value": "giá trị"}})
			}
		}
		b.Run(tg.Name, func(b *testing.B) {
			tok := e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"*"}})
			h := e.App.Server.Handler()
			path := "/api/configurations?filter=" + url.QueryEscape(`{"where":{"organizerId":"1","code":{"startsWith":"SHOP."}},"order":["code ASC"],"limit":20}`)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
