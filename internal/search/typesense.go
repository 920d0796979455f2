package search

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/errs"
)

// Fields of a Typesense document besides the collection's own.
const (
	tsText     = "text_folded" // every Text field, folded: what q matches (query_by)
	tsSortTail = "_sort"       // a sortable Text field's folded copy
)

// TypesenseConfig configures the Typesense backend.
type TypesenseConfig struct {
	APIKey string
	// Nodes are protocol:host:port (APP_ENV_TYPESENSE_NODES); requests go to the first healthy
	// one and fail over to the next.
	Nodes []string
	// Prefix is put before every collection's name (tests, several installations on one
	// cluster); empty: "bana_".
	Prefix string
	// Timeout bounds one request to one node (default 5s).
	Timeout time.Duration
	// Retry is how long a node that failed is skipped (default 30s).
	Retry  time.Duration
	Client *http.Client
	Clock  clock.Clock
	Log    *slog.Logger
}

// Typesense is the Typesense backend: a client of Typesense's HTTP API (collections, documents
// import/delete/export, search, scoped search keys) over several nodes with failover.
type Typesense struct {
	key    string
	nodes  []string // base URLs
	prefix string
	retry  time.Duration
	http   *http.Client
	clock  clock.Clock
	log    *slog.Logger

	mu      sync.Mutex
	down    map[int]time.Time // node index: skipped until
	current int
	ensured map[string]bool
}

// NewTypesense builds the client; it does not reach the nodes until used.
func NewTypesense(c TypesenseConfig) (*Typesense, error) {
	if c.APIKey == "" || len(c.Nodes) == 0 {
		return nil, fmt.Errorf("search: Typesense needs APP_ENV_TYPESENSE_API_KEY and APP_ENV_TYPESENSE_NODES")
	}
	t := &Typesense{key: c.APIKey, prefix: c.Prefix, retry: c.Retry, http: c.Client, clock: clock.Or(c.Clock), log: c.Log,
		down: map[int]time.Time{}, ensured: map[string]bool{}}
	for _, n := range c.Nodes {
		parts := strings.Split(n, ":")
		if len(parts) != 3 || (parts[0] != "http" && parts[0] != "https") {
			return nil, fmt.Errorf("search: Typesense node %q: want protocol:host:port", n)
		}
		t.nodes = append(t.nodes, parts[0]+"://"+parts[1]+":"+parts[2])
	}
	if t.prefix == "" {
		t.prefix = "bana_"
	}
	if t.retry == 0 {
		t.retry = 30 * time.Second
	}
	if t.http == nil {
		timeout := c.Timeout
		if timeout == 0 {
			timeout = 5 * time.Second
		}
		t.http = &http.Client{Timeout: timeout}
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	return t, nil
}

// Name implements Backend.
func (*Typesense) Name() string { return "typesense" }

// Close implements Backend.
func (t *Typesense) Close() error { return nil }

// statusError is a Typesense answer other than 2xx.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return fmt.Sprintf("typesense: %d %s", e.status, e.msg) }

func isStatus(err error, status int) bool {
	var se *statusError
	return errors.As(err, &se) && se.status == status
}

// do sends one request, trying the nodes in turn from the current one: a node that cannot be
// reached or answers 5xx is skipped for the retry period and the next is tried. A 4xx is the
// answer.
func (t *Typesense) do(ctx context.Context, method, path string, body []byte, ctype string) ([]byte, error) {
	t.mu.Lock()
	start := t.current
	t.mu.Unlock()
	var last error
	tried := 0
	for pass := 0; pass < 2 && tried < len(t.nodes); pass++ {
		for i := 0; i < len(t.nodes); i++ {
			n := (start + i) % len(t.nodes)
			t.mu.Lock()
			skip := pass == 0 && t.clock.Now().Before(t.down[n])
			t.mu.Unlock()
			if skip {
				continue
			}
			tried++
			out, err := t.once(ctx, t.nodes[n], method, path, body, ctype)
			var se *statusError
			if err == nil || (errors.As(err, &se) && se.status < 500) {
				t.mu.Lock()
				t.current = n
				delete(t.down, n)
				t.mu.Unlock()
				return out, err
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = err
			t.mu.Lock()
			t.down[n] = t.clock.Now().Add(t.retry)
			t.mu.Unlock()
			t.log.WarnContext(ctx, "typesense node failed, trying the next", "node", t.nodes[n], "error", err)
		}
	}
	if last == nil {
		last = errors.New("typesense: no node to ask")
	}
	return nil, last
}

func (t *Typesense) once(ctx context.Context, base, method, path string, body []byte, ctype string) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-TYPESENSE-API-KEY", t.key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := t.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var m struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(out, &m)
		return nil, &statusError{status: resp.StatusCode, msg: m.Message}
	}
	return out, nil
}

func (t *Typesense) name(c *Collection) string {
	return t.prefix + strings.ReplaceAll(c.Name, "-", "_")
}

// tsField is a field of a Typesense collection schema.
type tsField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Facet    bool   `json:"facet,omitempty"`
	Optional bool   `json:"optional,omitempty"`
	Sort     bool   `json:"sort,omitempty"`
	Index    *bool  `json:"index,omitempty"`
}

// Schema returns the Typesense schema of a collection.
func (t *Typesense) Schema(c *Collection) map[string]any {
	var fields []tsField
	for _, f := range c.Fields {
		if f.Name == FieldID {
			continue // Typesense's own id
		}
		switch f.Kind {
		case Keyword:
			fields = append(fields, tsField{Name: f.Name, Type: "string", Facet: f.Facet, Optional: true, Sort: f.Sort})
		case Codes:
			fields = append(fields, tsField{Name: f.Name, Type: "string[]", Optional: true})
		case Number:
			fields = append(fields, tsField{Name: f.Name, Type: "int64", Optional: true, Sort: f.Sort})
		case Bool:
			fields = append(fields, tsField{Name: f.Name, Type: "bool", Facet: f.Facet, Optional: true})
		case Text:
			no := false
			typ := "string"
			if f.List {
				typ = "string[]"
			}
			fields = append(fields, tsField{Name: f.Name, Type: typ, Optional: true, Index: &no})
			if f.Sort {
				fields = append(fields, tsField{Name: f.Name + tsSortTail, Type: "string", Optional: true, Sort: true})
			}
		}
	}
	fields = append(fields, tsField{Name: tsText, Type: "string[]", Optional: true})
	return map[string]any{"name": t.name(c), "fields": fields}
}

// Ensure implements Backend: GET /collections/{name}, and POST /collections when it is absent.
func (t *Typesense) Ensure(ctx context.Context, c *Collection) error {
	t.mu.Lock()
	done := t.ensured[c.Name]
	t.mu.Unlock()
	if done {
		return nil
	}
	_, err := t.do(ctx, http.MethodGet, "/collections/"+url.PathEscape(t.name(c)), nil, "")
	if isStatus(err, http.StatusNotFound) {
		body, _ := json.Marshal(t.Schema(c))
		_, err = t.do(ctx, http.MethodPost, "/collections", body, "application/json")
		if isStatus(err, http.StatusConflict) {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.ensured[c.Name] = true
	t.mu.Unlock()
	return nil
}

// tsDocument turns a document into Typesense's: its fields, the folded text, sort copies.
func tsDocument(c *Collection, d Document) map[string]any {
	out := map[string]any{}
	var text []string
	for k, v := range d {
		out[k] = v
	}
	for _, f := range c.Fields {
		v, ok := d[f.Name]
		if !ok || v == nil {
			continue
		}
		switch f.Kind {
		case Text:
			for _, s := range stringsOf(v) {
				text = append(text, Fold(s))
			}
			if s, ok := v.(string); ok && f.Sort {
				out[f.Name+tsSortTail] = Fold(s)
			}
		case Codes:
			var codes []string
			for _, s := range stringsOf(v) {
				if s = NormalizeCode(s); s != "" {
					codes = append(codes, s)
				}
			}
			out[f.Name] = codes
		}
	}
	if text == nil {
		text = []string{}
	}
	out[tsText] = text
	return out
}

// Upsert implements Backend: POST /collections/{name}/documents/import?action=upsert (JSONL).
func (t *Typesense) Upsert(ctx context.Context, c *Collection, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	if err := t.Ensure(ctx, c); err != nil {
		return err
	}
	var b bytes.Buffer
	for _, d := range docs {
		line, err := json.Marshal(tsDocument(c, d))
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	out, err := t.do(ctx, http.MethodPost, "/collections/"+url.PathEscape(t.name(c))+"/documents/import?action=upsert", b.Bytes(), "text/plain")
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var r struct {
			Success bool   `json:"success"`
			Error   string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil && !r.Success {
			return fmt.Errorf("typesense: importing into %s: %s", c.Name, r.Error)
		}
	}
	return sc.Err()
}

// Delete implements Backend: DELETE /collections/{name}/documents?filter_by=id:[...].
func (t *Typesense) Delete(ctx context.Context, c *Collection, ids []string) error {
	if err := t.Ensure(ctx, c); err != nil {
		return err
	}
	for len(ids) > 0 {
		n := min(len(ids), 100)
		vals := make([]any, n)
		for i, x := range ids[:n] {
			vals[i] = x
		}
		f, err := FilterBy(&Expr{Op: OpIn, Field: FieldID, Values: vals})
		if err != nil {
			return err
		}
		q := url.Values{"filter_by": {f}, "batch_size": {"100"}}
		if _, err := t.do(ctx, http.MethodDelete, "/collections/"+url.PathEscape(t.name(c))+"/documents?"+q.Encode(), nil, ""); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// IDs implements Backend: GET /collections/{name}/documents/export?include_fields=id (JSONL).
func (t *Typesense) IDs(ctx context.Context, c *Collection, fn func(ids []string) error) error {
	if err := t.Ensure(ctx, c); err != nil {
		return err
	}
	out, err := t.do(ctx, http.MethodGet, "/collections/"+url.PathEscape(t.name(c))+"/documents/export?include_fields=id", nil, "")
	if err != nil {
		return err
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var d struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(sc.Bytes(), &d) == nil && d.ID != "" {
			ids = append(ids, d.ID)
		}
		if len(ids) == 1000 {
			if err := fn(ids); err != nil {
				return err
			}
			ids = nil
		}
	}
	if len(ids) > 0 {
		return fn(ids)
	}
	return sc.Err()
}

// tsResult is Typesense's search answer.
type tsResult struct {
	Found int `json:"found"`
	Hits  []struct {
		Document  Document `json:"document"`
		TextMatch float64  `json:"text_match"`
	} `json:"hits"`
	FacetCounts []struct {
		FieldName string `json:"field_name"`
		Counts    []struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"counts"`
	} `json:"facet_counts"`
}

// SearchParams are the parameters of GET /collections/{name}/documents/search for a request:
// q folded, matched in the folded text with prefixes and Typesense's typo rules set to BANA's
// (1 typo from 4 letters, 2 from 7), the filter as filter_by.
func (t *Typesense) SearchParams(c *Collection, r *Request) (url.Values, error) {
	q := url.Values{"query_by": {tsText}, "prefix": {"true"}, "num_typos": {"2"}, "min_len_1typo": {"4"}, "min_len_2typo": {"7"},
		"page": {strconv.Itoa(r.Page)}, "per_page": {strconv.Itoa(r.Limit)}}
	if len(r.Words) > 0 {
		q.Set("q", strings.Join(r.Words, " "))
	} else {
		q.Set("q", "*")
	}
	f, err := FilterBy(r.Filter)
	if err != nil {
		return nil, err
	}
	if f != "" {
		q.Set("filter_by", f)
	}
	if len(r.Facets) > 0 {
		q.Set("facet_by", strings.Join(r.Facets, ","))
	}
	keys := r.Sort
	if len(keys) == 0 && len(r.Words) == 0 {
		for _, s := range c.DefaultSort {
			keys = append(keys, SortKey{Field: s})
		}
	}
	var sorts []string
	for _, k := range keys {
		name := k.Field
		if fd, ok := c.Field(name); ok && fd.Kind == Text {
			name += tsSortTail
		}
		dir := ":asc"
		if k.Desc {
			dir = ":desc"
		}
		sorts = append(sorts, name+dir)
	}
	if len(sorts) > 0 {
		q.Set("sort_by", strings.Join(sorts[:min(len(sorts), 3)], ","))
	}
	return q, nil
}

// Search implements Backend. A q that is one code (no space) is first looked up exactly among
// the collection's codes (a scanned barcode); the text search answers otherwise.
func (t *Typesense) Search(ctx context.Context, c *Collection, r *Request) (*SearchResult, error) {
	if err := t.Ensure(ctx, c); err != nil {
		return nil, err
	}
	if code := NormalizeCode(r.Q); code != "" && !strings.ContainsAny(code, " \t") && checkKeyword(code) == nil {
		var alts []*Expr
		for _, f := range c.Fields {
			if f.Kind == Codes {
				alts = append(alts, &Expr{Op: OpEq, Field: f.Name, Values: []any{code}})
			}
		}
		if len(alts) > 0 {
			codes := alts[0]
			if len(alts) > 1 {
				codes = &Expr{Op: OpOr, Kids: alts}
			}
			exact := *r
			exact.Words, exact.Q = nil, ""
			exact.Filter = And(r.Filter, codes)
			res, err := t.search(ctx, c, &exact)
			if err != nil || res.Found > 0 {
				return res, err
			}
		}
	}
	return t.search(ctx, c, r)
}

func (t *Typesense) search(ctx context.Context, c *Collection, r *Request) (*SearchResult, error) {
	q, err := t.SearchParams(c, r)
	if err != nil {
		return nil, err
	}
	out, err := t.do(ctx, http.MethodGet, "/collections/"+url.PathEscape(t.name(c))+"/documents/search?"+q.Encode(), nil, "")
	if err != nil {
		if isStatus(err, http.StatusBadRequest) {
			return nil, errs.Wrap(errs.Invalid, "the search engine refused the search", err)
		}
		return nil, err
	}
	var tr tsResult
	if err := json.Unmarshal(out, &tr); err != nil {
		return nil, fmt.Errorf("typesense: decoding a search answer: %w", err)
	}
	res := &SearchResult{Found: tr.Found, Page: r.Page, Limit: r.Limit, Hits: make([]SearchHit, 0, len(tr.Hits))}
	for _, h := range tr.Hits {
		d := Document{}
		for k, v := range h.Document {
			if k == tsText || strings.HasSuffix(k, tsSortTail) {
				continue
			}
			d[k] = v
		}
		res.Hits = append(res.Hits, SearchHit{ID: d.ID(), Score: h.TextMatch, Document: d})
	}
	if len(r.Facets) > 0 {
		res.Facets = map[string][]FacetCount{}
		for _, f := range r.Facets {
			res.Facets[f] = []FacetCount{}
		}
		for _, fc := range tr.FacetCounts {
			for _, x := range fc.Counts {
				res.Facets[fc.FieldName] = append(res.Facets[fc.FieldName], FacetCount{Value: x.Value, Count: x.Count})
			}
		}
	}
	return res, nil
}

// ScopedKey derives a scoped search key from a search-only key, as Typesense documents it:
// base64(base64(HMAC-SHA256(key, params)) + key[:4] + params), params being the JSON of the
// embedded search parameters. Typesense applies the embedded filter_by to every search made
// with the scoped key, ANDed with the client's own.
func ScopedKey(searchKey string, params map[string]any) (string, error) {
	if len(searchKey) < 4 {
		return "", fmt.Errorf("search: a search key is at least 4 characters")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // filter_by's && as it is written
	if err := enc.Encode(params); err != nil {
		return "", err
	}
	return scopedKey(searchKey, strings.TrimSuffix(buf.String(), "\n")), nil
}

// scopedKey signs the embedded parameters' JSON as it is written.
func scopedKey(searchKey, params string) string {
	mac := hmac.New(sha256.New, []byte(searchKey))
	mac.Write([]byte(params))
	digest := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return base64.StdEncoding.EncodeToString([]byte(digest + searchKey[:4] + params))
}

// MerchantKey is a scoped key with which a merchant's client may query Typesense directly and
// see only its own documents: the filter_by organizerId:=… && merchantId:=… embedded, with an
// expiry.
func MerchantKey(searchKey string, organizer, merchant string, expiresAt time.Time) (string, error) {
	f, err := FilterBy(And(&Expr{Op: OpEq, Field: FieldOrganizer, Values: []any{organizer}},
		&Expr{Op: OpEq, Field: FieldMerchant, Values: []any{merchant}}))
	if err != nil {
		return "", err
	}
	return ScopedKey(searchKey, map[string]any{"filter_by": f, "expires_at": expiresAt.Unix()})
}
