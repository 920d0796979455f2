package app_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

func TestDocsHealthAndLimits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		for _, p := range []string{"/health", "/ready", "/api/health", "/api/ready"} {
			resp, err := http.Get(e.Root + p)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %v %v", p, resp, err)
			}
			resp.Body.Close()
		}
		resp, err := http.Get(e.URL + "/doc/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Fatalf("openapi %s", doc.OpenAPI)
		}
		for _, p := range []string{"/configurations", "/configurations/{id}", "/configurations/count", "/configurations/find-one", "/configurations/{id}/restore", "/jobs"} {
			if doc.Paths[p] == nil {
				t.Errorf("OpenAPI lacks %s", p)
			}
		}
		if auth := doc.Paths["/configurations"]["get"]["x-bana-auth"]; auth == nil {
			t.Error("list operation does not declare its permission")
		}
		resp, err = http.Get(e.Root + "/doc/explorer")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "/api/doc/openapi.json") || !strings.Contains(string(page), "api-reference") {
			t.Fatalf("explorer page: %s", page)
		}

		owner := e.Token(&auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"*"}})
		big := `{"code":"BIG","dataType":"TEXT","value":"` + strings.Repeat("x", 2<<20) + `"}`
		e.Must(413, apptest.Request{Method: "POST", Path: "/configurations", Token: owner, Body: big})
		// CORS preflight.
		req, _ := http.NewRequest(http.MethodOptions, e.URL+"/configurations", nil)
		req.Header.Set("Origin", "https://pos.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://pos.example" {
			t.Fatalf("preflight: %v %v", resp, err)
		}
		resp.Body.Close()
		// Every response carries a request id, echoed when the client sends one.
		r := e.Do(apptest.Request{Method: "GET", Path: "/configurations", Headers: map[string]string{"X-Request-Id": "abc123"}})
		if r.Header.Get("X-Request-Id") != "abc123" || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("headers: %v", r.Header)
		}
	})
}

// proxy forwards TCP to target until cut; it lets a test take the database away and back.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func TestDatabaseLostAndBack(t *testing.T) {
	admin := os.Getenv("BANA_TEST_POSTGRES_URL")
	if admin == "" {
		t.Skip("needs PostgreSQL (BANA_TEST_POSTGRES_URL)")
	}
	dsn := dbtest.NewPostgres(t, admin)
	u, _ := url.Parse(dsn)
	px := newProxy(t, u.Host)
	u.Host = px.ln.Addr().String()
	e := apptest.Start(t, dbtest.Target{Name: "postgres", Options: db.Options{PostgresDSN: u.String()}}, nil)
	owner := e.Token(&auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"*"}})
	e.Must(200, apptest.Request{Method: "GET", Path: "/configurations", Token: owner})

	px.cut()
	start := time.Now()
	r := e.Do(apptest.Request{Method: "GET", Path: "/configurations", Token: owner})
	if r.Status != 503 {
		t.Fatalf("request with the database gone: %d %s", r.Status, r.Body)
	}
	resp, err := http.Get(e.Root + "/ready")
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("/ready with the database gone: %v %v", resp, err)
	}
	resp.Body.Close()
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("took %v to answer", d)
	}

	px.restore()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.Do(apptest.Request{Method: "GET", Path: "/configurations", Token: owner})
		if r.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service did not resume: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
