package typesensetest

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a Typesense node for tests.
type Server struct {
	*httptest.Server
	// AdminKey may do everything; SearchKey only search, and scoped keys are derived from it.
	AdminKey, SearchKey string
	// Now is the time scoped keys' expiry is judged by.
	Now func() time.Time

	failing  atomic.Bool
	requests atomic.Int64

	st *state
}

// state is what the nodes of one cluster share.
type state struct {
	mu          sync.Mutex
	collections map[string]*collection
}

type collection struct {
	schema map[string]any
	docs   map[string]map[string]any
}

// New starts a server; it stops when the test's cleanup closes it.
func New(adminKey, searchKey string) *Server {
	s := &Server{AdminKey: adminKey, SearchKey: searchKey, Now: time.Now, st: &state{collections: map[string]*collection{}}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Peer starts another node of the same cluster: it holds the same documents (replication
// without lag) and fails on its own.
func (s *Server) Peer() *Server {
	p := &Server{AdminKey: s.AdminKey, SearchKey: s.SearchKey, Now: s.Now, st: s.st}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

// Fail makes the node answer 503 to everything (a node down), or stops that.
func (s *Server) Fail(down bool) { s.failing.Store(down) }

// Requests counts the requests the node answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Node returns the node as APP_ENV_TYPESENSE_NODES spells it (http:host:port).
func (s *Server) Node() string { return "http:" + strings.TrimPrefix(s.URL, "http://") }

// Count returns how many documents a collection holds.
func (s *Server) Count(name string) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if c := s.st.collections[name]; c != nil {
		return len(c.docs)
	}
	return 0
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// scoped checks a scoped search key and returns its embedded filter_by.
func (s *Server) scoped(key string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) < 44+4 {
		return "", false
	}
	digest, prefix, params := string(raw[:44]), string(raw[44:48]), raw[48:]
	if prefix != s.SearchKey[:4] {
		return "", false
	}
	mac := hmac.New(sha256.New, []byte(s.SearchKey))
	mac.Write(params)
	if !hmac.Equal([]byte(digest), []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))) {
		return "", false
	}
	var p struct {
		FilterBy  string `json:"filter_by"`
		ExpiresAt int64  `json:"expires_at"`
	}
	if json.Unmarshal(params, &p) != nil {
		return "", false
	}
	if p.ExpiresAt != 0 && s.Now().Unix() >= p.ExpiresAt {
		return "", false
	}
	return p.FilterBy, true
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.failing.Load() {
		fail(w, http.StatusServiceUnavailable, "Not Ready or Lagging")
		return
	}
	key := r.Header.Get("X-TYPESENSE-API-KEY")
	if key == "" {
		key = r.URL.Query().Get("x-typesense-api-key")
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	isSearch := len(parts) == 4 && parts[0] == "collections" && parts[2] == "documents" && parts[3] == "search" && r.Method == http.MethodGet
	var embedded string
	switch {
	case key == s.AdminKey:
	case isSearch && key == s.SearchKey:
	case isSearch:
		f, ok := s.scoped(key)
		if !ok {
			fail(w, http.StatusUnauthorized, "Forbidden - a valid `x-typesense-api-key` header must be sent.")
			return
		}
		embedded = f
	default:
		fail(w, http.StatusUnauthorized, "Forbidden - a valid `x-typesense-api-key` header must be sent.")
		return
	}
	switch {
	case len(parts) == 1 && parts[0] == "collections" && r.Method == http.MethodPost:
		s.createCollection(w, r)
	case len(parts) == 2 && parts[0] == "collections" && r.Method == http.MethodGet:
		s.st.mu.Lock()
		c := s.st.collections[parts[1]]
		s.st.mu.Unlock()
		if c == nil {
			fail(w, http.StatusNotFound, "Not Found")
			return
		}
		reply(w, http.StatusOK, c.schema)
	case len(parts) >= 3 && parts[0] == "collections" && parts[2] == "documents":
		s.st.mu.Lock()
		c := s.st.collections[parts[1]]
		s.st.mu.Unlock()
		if c == nil {
			fail(w, http.StatusNotFound, "Not found.")
			return
		}
		switch {
		case len(parts) == 4 && parts[3] == "import" && r.Method == http.MethodPost:
			s.importDocs(w, r, c)
		case len(parts) == 3 && r.Method == http.MethodDelete:
			s.deleteDocs(w, r, c)
		case len(parts) == 4 && parts[3] == "export" && r.Method == http.MethodGet:
			s.export(w, c)
		case isSearch:
			s.search(w, r, c, embedded)
		default:
			fail(w, http.StatusNotFound, "Not Found")
		}
	default:
		fail(w, http.StatusNotFound, "Not Found")
	}
}

func (s *Server) createCollection(w http.ResponseWriter, r *http.Request) {
	var schema map[string]any
	if err := json.NewDecoder(r.Body).Decode(&schema); err != nil {
		fail(w, http.StatusBadRequest, "Bad JSON.")
		return
	}
	name, _ := schema["name"].(string)
	if name == "" {
		fail(w, http.StatusBadRequest, "Parameter `name` is required.")
		return
	}
	if _, ok := schema["fields"].([]any); !ok {
		fail(w, http.StatusBadRequest, "Parameter `fields` is required.")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.collections[name] != nil {
		fail(w, http.StatusConflict, "A collection with name `"+name+"` already exists.")
		return
	}
	s.st.collections[name] = &collection{schema: schema, docs: map[string]map[string]any{}}
	reply(w, http.StatusCreated, schema)
}

func (s *Server) importDocs(w http.ResponseWriter, r *http.Request, c *collection) {
	if r.URL.Query().Get("action") != "upsert" {
		fail(w, http.StatusBadRequest, "this server knows action=upsert only")
		return
	}
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var out bytes.Buffer
	s.st.mu.Lock()
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			out.WriteString(`{"success":false,"error":"Bad JSON."}` + "\n")
			continue
		}
		id, _ := d["id"].(string)
		if id == "" {
			out.WriteString(`{"success":false,"error":"Document's id must be a string."}` + "\n")
			continue
		}
		c.docs[id] = d
		out.WriteString(`{"success":true}` + "\n")
	}
	s.st.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(out.Bytes())
}

func (s *Server) deleteDocs(w http.ResponseWriter, r *http.Request, c *collection) {
	f, err := ParseFilterBy(r.URL.Query().Get("filter_by"))
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.st.mu.Lock()
	n := 0
	for id, d := range c.docs {
		if f.Match(d) {
			delete(c.docs, id)
			n++
		}
	}
	s.st.mu.Unlock()
	reply(w, http.StatusOK, map[string]int{"num_deleted": n})
}

func (s *Server) export(w http.ResponseWriter, c *collection) {
	s.st.mu.Lock()
	ids := make([]string, 0, len(c.docs))
	for id := range c.docs {
		ids = append(ids, id)
	}
	s.st.mu.Unlock()
	sort.Strings(ids)
	w.Header().Set("Content-Type", "text/plain")
	for _, id := range ids {
		_, _ = fmt.Fprintf(w, "{\"id\":%q}\n", id)
	}
}

type hit struct {
	doc   map[string]any
	score int
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, c *collection, embedded string) {
	q := r.URL.Query()
	var filters []*Filter
	for _, raw := range []string{q.Get("filter_by"), embedded} {
		if raw == "" {
			continue
		}
		f, err := ParseFilterBy(raw)
		if err != nil {
			fail(w, http.StatusBadRequest, "Could not parse the filter query: "+err.Error())
			return
		}
		filters = append(filters, f)
	}
	queryBy := q.Get("query_by")
	if queryBy == "" {
		fail(w, http.StatusBadRequest, "Parameter `query_by` is required.")
		return
	}
	one, _ := strconv.Atoi(q.Get("min_len_1typo"))
	two, _ := strconv.Atoi(q.Get("min_len_2typo"))
	prefix := q.Get("prefix") != "false"
	page, perPage := atoiOr(q.Get("page"), 1), atoiOr(q.Get("per_page"), 10)
	if page < 1 || perPage < 1 || perPage > 250 {
		fail(w, http.StatusBadRequest, "bad page or per_page")
		return
	}
	words := strings.Fields(q.Get("q"))
	if q.Get("q") == "*" {
		words = nil
	}
	s.st.mu.Lock()
	var hits []hit
docs:
	for _, d := range c.docs {
		for _, f := range filters {
			if !f.Match(d) {
				continue docs
			}
		}
		score := 0
		for _, wd := range words {
			best := 0
			for _, field := range strings.Split(queryBy, ",") {
				for _, v := range fieldValues(d[field]) {
					text, _ := v.(string)
					for _, tok := range strings.Fields(text) {
						best = max(best, matchScore(wd, tok, prefix, one, two))
					}
				}
			}
			if best == 0 {
				continue docs
			}
			score += best
		}
		hits = append(hits, hit{doc: d, score: score})
	}
	s.st.mu.Unlock()
	sortHits(hits, q.Get("sort_by"), len(words) > 0)
	facets := []map[string]any{}
	for _, f := range strings.Split(q.Get("facet_by"), ",") {
		if f == "" {
			continue
		}
		counts := map[string]int{}
		for _, h := range hits {
			for _, v := range fieldValues(h.doc[f]) {
				counts[fmt.Sprint(v)]++
			}
		}
		var list []map[string]any
		for v, n := range counts {
			list = append(list, map[string]any{"value": v, "count": n})
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i]["count"].(int) != list[j]["count"].(int) {
				return list[i]["count"].(int) > list[j]["count"].(int)
			}
			return list[i]["value"].(string) < list[j]["value"].(string)
		})
		facets = append(facets, map[string]any{"field_name": f, "counts": list})
	}
	from := (page - 1) * perPage
	out := []map[string]any{}
	for i := from; i < len(hits) && i < from+perPage; i++ {
		out = append(out, map[string]any{"document": hits[i].doc, "text_match": hits[i].score})
	}
	reply(w, http.StatusOK, map[string]any{"found": len(hits), "page": page, "hits": out, "facet_counts": facets})
}

func atoiOr(s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// matchScore scores a query word against a token: 3 equal, 2 a prefix, 1 within the typos its
// length allows, 0 no match.
func matchScore(word, tok string, prefix bool, one, two int) int {
	switch {
	case word == tok:
		return 3
	case prefix && strings.HasPrefix(tok, word):
		return 2
	}
	n, typos := len([]rune(word)), 0
	if one > 0 && n >= one {
		typos = 1
	}
	if two > 0 && n >= two {
		typos = 2
	}
	if typos > 0 && distance(word, tok) <= typos {
		return 1
	}
	return 0
}

// distance is the Levenshtein distance of two strings, by runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

func sortHits(hits []hit, sortBy string, byScore bool) {
	var keys [][2]string
	for _, k := range strings.Split(sortBy, ",") {
		if k == "" {
			continue
		}
		f, dir, _ := strings.Cut(k, ":")
		keys = append(keys, [2]string{f, dir})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if byScore && len(keys) == 0 && hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		for _, k := range keys {
			a, b := hits[i].doc[k[0]], hits[j].doc[k[0]]
			c := compare(a, b)
			if c != 0 {
				if k[1] == "desc" {
					return c > 0
				}
				return c < 0
			}
		}
		return fmt.Sprint(hits[i].doc["id"]) < fmt.Sprint(hits[j].doc["id"])
	})
}

func compare(a, b any) int {
	switch x := a.(type) {
	case float64:
		y, _ := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	}
	return 0
}
