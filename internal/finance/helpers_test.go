package finance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/id"
)

// fin is a running server with the tokens of one organizer's owner and of a platform admin.
type fin struct {
	*apptest.Env
	t     *testing.T
	org   id.ID
	owner string
	admin string
}

func newFin(t *testing.T, e *apptest.Env, org id.ID) *fin {
	return &fin{Env: e, t: t, org: org, owner: e.OwnerToken(org), admin: e.AdminToken()}
}

// do sends a request as the owner (token "" ) and fails unless the status is want.
func (f *fin) do(want int, method, path string, body any, headers map[string]string) *apptest.Response {
	f.t.Helper()
	return f.Must(want, apptest.Request{Method: method, Path: path, Body: body, Token: f.owner, Headers: headers})
}

func (f *fin) post(want int, path string, body any) map[string]any {
	f.t.Helper()
	return f.do(want, "POST", path, body, nil).Map(f.t)
}

// list GETs a collection with a filter as the owner.
func (f *fin) list(path, filter string) []map[string]any {
	f.t.Helper()
	var out []map[string]any
	f.do(200, "GET", path+"?filter="+url.QueryEscape(filter), nil, nil).JSON(f.t, &out)
	return out
}

// wallets lists a merchant's wallets, oldest first.
func (f *fin) wallets(mid string) []map[string]any {
	f.t.Helper()
	return f.list("/finance-wallets", fmt.Sprintf(`{"where":{"merchantId":%q},"order":["createdAt ASC"],"limit":100}`, mid))
}

// wallet reads one wallet.
func (f *fin) wallet(wid string) map[string]any {
	f.t.Helper()
	return f.do(200, "GET", "/finance-wallets/"+wid, nil, nil).Map(f.t)
}

// postings lists a merchant's postings, oldest first.
func (f *fin) postings(mid string) []map[string]any {
	f.t.Helper()
	return f.list("/finance-transactions", fmt.Sprintf(`{"where":{"merchantId":%q},"order":["createdAt ASC","id ASC"],"limit":1000}`, mid))
}

// bySource finds the merchant's posting of a source key (nil when there is none).
func (f *fin) bySource(mid, key string) map[string]any {
	f.t.Helper()
	list := f.list("/finance-transactions", fmt.Sprintf(`{"where":{"merchantId":%q,"sourceKey":%q}}`, mid, key))
	if len(list) > 1 {
		f.t.Fatalf("%d postings of %s", len(list), key)
	}
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// awaitSource waits for the merchant's posting of a source key (made by an event handler).
func (f *fin) awaitSource(mid, key string) map[string]any {
	f.t.Helper()
	var p map[string]any
	apptest.Eventually(f.t, "the posting "+key, func() bool { p = f.bySource(mid, key); return p != nil })
	return p
}

// cashWallet waits for the merchant's default Cash wallet (made by the CommerceInitialized
// handler) and returns it.
func (f *fin) cashWallet(mid string) map[string]any {
	f.t.Helper()
	var w map[string]any
	apptest.Eventually(f.t, "the default cash wallet of "+mid, func() bool {
		for _, x := range f.wallets(mid) {
			if x["type"] == "CASH" && x["isDefault"] == true {
				w = x
				return true
			}
		}
		return false
	})
	return w
}

// reconciled checks the merchant's wallets over HTTP, and, as the admin, every wallet of every
// merchant: each balance is the sum of its postings.
func (f *fin) reconciled(mid string) map[string]any {
	f.t.Helper()
	r := f.do(200, "GET", "/finance-reconciliations?merchantId="+mid, nil, nil).Map(f.t)
	if r["ok"] != true {
		f.t.Fatalf("reconciliation of %s: %v", mid, r)
	}
	all := f.Must(200, apptest.Request{Method: "GET", Path: "/finance-reconciliations", Token: f.admin}).Map(f.t)
	if all["ok"] != true {
		f.t.Fatalf("reconciliation of every merchant: %v", all)
	}
	return r
}

func num(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return -1 << 62
}

// reply is an answer to a request sent from any goroutine (it reports errors instead of failing).
type reply struct {
	status int
	body   string
	err    error
}

// client keeps a connection per concurrent request of the tests: http.DefaultClient keeps two
// idle connections per host and closes the rest, so a burst of requests would open and close
// connections while the server is still reading from them.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

func send(e *apptest.Env, token, method, path string, body any, key string) reply {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(raw))
	if err != nil {
		return reply{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(b), err: err}
}
