package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Fields of the embedded index besides the collection's own.
const (
	textField   = "_text"   // every Text field, folded: what q matches
	sourceField = "_src"    // the document as JSON, stored, not indexed
	sortSuffix  = "__sort"  // a Text field's folded value, for sorting
	foldedAn    = "bana_vi" // unicode words, lower case (the text is folded before)
)

// Embedded is the embedded backend: one Bleve index per collection under a directory (the data
// directory's search/ by default). It needs no server and is the default.
type Embedded struct {
	dir string
	// lockWait bounds the wait for an index another process holds open.
	lockWait string

	mu      sync.Mutex
	indexes map[string]bleve.Index
}

// NewEmbedded opens (or, on first use, creates) the indexes under dir.
func NewEmbedded(dir string) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return &Embedded{dir: dir, lockWait: "5s", indexes: map[string]bleve.Index{}}, nil
}

// Name implements Backend.
func (*Embedded) Name() string { return "bleve" }

// Ensure implements Backend: it opens the collection's index, creating it when absent.
func (b *Embedded) Ensure(_ context.Context, c *Collection) error {
	_, err := b.index(c)
	return err
}

func (b *Embedded) index(c *Collection) (bleve.Index, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if idx, ok := b.indexes[c.Name]; ok {
		return idx, nil
	}
	path := filepath.Join(b.dir, c.Name+".bleve")
	idx, err := bleve.OpenUsing(path, map[string]interface{}{"bolt_timeout": b.lockWait})
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		var m *mapping.IndexMappingImpl
		if m, err = indexMapping(c); err != nil {
			return nil, err
		}
		idx, err = bleve.New(path, m)
	}
	if err != nil {
		return nil, fmt.Errorf("search: opening the %s index (is another process holding it?): %w", c.Name, err)
	}
	b.indexes[c.Name] = idx
	return idx, nil
}

// indexMapping maps a collection's fields: keywords exact, numbers and booleans as such, Text
// fields folded into one _text field (and a folded sort copy when sortable).
func indexMapping(c *Collection) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomAnalyzer(foldedAn, map[string]interface{}{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	dm := bleve.NewDocumentStaticMapping()
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll = false
		return f
	}
	for _, f := range c.Fields {
		switch f.Kind {
		case Keyword, Codes:
			dm.AddFieldMappingsAt(f.Name, kw())
		case Number:
			fm := bleve.NewNumericFieldMapping()
			fm.IncludeInAll = false
			dm.AddFieldMappingsAt(f.Name, fm)
		case Bool:
			fm := bleve.NewBooleanFieldMapping()
			fm.IncludeInAll = false
			dm.AddFieldMappingsAt(f.Name, fm)
		case Text:
			if f.Sort {
				dm.AddFieldMappingsAt(f.Name+sortSuffix, kw())
			}
		}
	}
	text := bleve.NewTextFieldMapping()
	text.Analyzer = foldedAn
	text.IncludeInAll = false
	text.IncludeTermVectors = false
	text.DocValues = false
	dm.AddFieldMappingsAt(textField, text)
	src := bleve.NewTextFieldMapping()
	src.Index = false
	src.Store = true
	src.IncludeInAll = false
	src.DocValues = false
	dm.AddFieldMappingsAt(sourceField, src)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = keyword.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}

// indexed turns a document into what the index holds.
func indexed(c *Collection, d Document) (map[string]any, error) {
	src, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	out := map[string]any{sourceField: string(src)}
	var text []string
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
			if f.Sort {
				if s, ok := v.(string); ok {
					out[f.Name+sortSuffix] = Fold(s)
				}
			}
		case Codes:
			var codes []string
			for _, s := range stringsOf(v) {
				if s = NormalizeCode(s); s != "" {
					codes = append(codes, s)
				}
			}
			out[f.Name] = codes
		case Number:
			switch n := v.(type) {
			case int64:
				out[f.Name] = float64(n)
			case int:
				out[f.Name] = float64(n)
			case float64:
				out[f.Name] = n
			}
		default:
			out[f.Name] = v
		}
	}
	out[textField] = strings.Join(text, " \n ")
	return out, nil
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []string:
		return t
	}
	return nil
}

// Upsert implements Backend.
func (b *Embedded) Upsert(_ context.Context, c *Collection, docs []Document) error {
	idx, err := b.index(c)
	if err != nil {
		return err
	}
	batch := idx.NewBatch()
	for _, d := range docs {
		v, err := indexed(c, d)
		if err != nil {
			return err
		}
		if err := batch.Index(d.ID(), v); err != nil {
			return err
		}
	}
	return idx.Batch(batch)
}

// Delete implements Backend.
func (b *Embedded) Delete(_ context.Context, c *Collection, ids []string) error {
	idx, err := b.index(c)
	if err != nil {
		return err
	}
	batch := idx.NewBatch()
	for _, id := range ids {
		batch.Delete(id)
	}
	return idx.Batch(batch)
}

// Search implements Backend.
func (b *Embedded) Search(ctx context.Context, c *Collection, r *Request) (*SearchResult, error) {
	idx, err := b.index(c)
	if err != nil {
		return nil, err
	}
	q := BleveQuery(c, r)
	req := bleve.NewSearchRequestOptions(q, r.Limit, (r.Page-1)*r.Limit, false)
	req.Fields = []string{sourceField}
	req.SortBy(bleveSort(c, r))
	for _, f := range r.Facets {
		req.AddFacet(f, bleve.NewFacetRequest(f, 20))
	}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := &SearchResult{Found: int(res.Total), Page: r.Page, Limit: r.Limit, Hits: make([]SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		var d Document
		if s, ok := h.Fields[sourceField].(string); ok {
			if err := json.Unmarshal([]byte(s), &d); err != nil {
				return nil, fmt.Errorf("search: a stored document of %s: %w", c.Name, err)
			}
		}
		out.Hits = append(out.Hits, SearchHit{ID: h.ID, Score: h.Score, Document: d})
	}
	if len(r.Facets) > 0 {
		out.Facets = map[string][]FacetCount{}
		for _, f := range r.Facets {
			buckets := []FacetCount{}
			if fr, ok := res.Facets[f]; ok && fr.Terms != nil {
				for _, t := range fr.Terms.Terms() {
					buckets = append(buckets, FacetCount{Value: t.Term, Count: t.Count})
				}
			}
			out.Facets[f] = buckets
		}
	}
	return out, nil
}

// bleveSort is the request's order: its keys, else relevance when there is a q, else the
// collection's default; the id last so pages are stable.
func bleveSort(c *Collection, r *Request) []string {
	var out []string
	keys := r.Sort
	if len(keys) == 0 && len(r.Words) == 0 && r.Q == "" {
		for _, s := range c.DefaultSort {
			keys = append(keys, SortKey{Field: s})
		}
	}
	if len(keys) == 0 {
		out = append(out, "-_score")
	}
	for _, k := range keys {
		name := k.Field
		if f, ok := c.Field(name); ok && f.Kind == Text {
			name += sortSuffix
		}
		if k.Desc {
			name = "-" + name
		}
		out = append(out, name)
	}
	return append(out, "_id")
}

// BleveQuery builds the index query of a request: every word of q matched (exactly, as a prefix,
// or within its typos) in the folded text, or q as a whole equal to a code; and the filter.
func BleveQuery(c *Collection, r *Request) query.Query {
	var parts []query.Query
	if text := textQuery(c, r); text != nil {
		parts = append(parts, text)
	}
	if r.Filter != nil {
		parts = append(parts, bleveFilter(r.Filter))
	}
	switch len(parts) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return parts[0]
	}
	return bleve.NewConjunctionQuery(parts...)
}

func textQuery(c *Collection, r *Request) query.Query {
	if r.Q == "" {
		return nil
	}
	var any []query.Query
	if len(r.Words) > 0 {
		var all []query.Query
		for _, w := range r.Words {
			exact := bleve.NewTermQuery(w)
			exact.SetField(textField)
			exact.SetBoost(3)
			prefix := bleve.NewPrefixQuery(w)
			prefix.SetField(textField)
			prefix.SetBoost(2)
			alts := []query.Query{exact, prefix}
			if n := Typos(w); n > 0 {
				fz := bleve.NewFuzzyQuery(w)
				fz.SetField(textField)
				fz.SetFuzziness(n)
				alts = append(alts, fz)
			}
			all = append(all, bleve.NewDisjunctionQuery(alts...))
		}
		any = append(any, bleve.NewConjunctionQuery(all...))
	}
	if code := NormalizeCode(r.Q); code != "" {
		for _, f := range c.Fields {
			if f.Kind == Codes {
				t := bleve.NewTermQuery(code)
				t.SetField(f.Name)
				t.SetBoost(10)
				any = append(any, t)
			}
		}
	}
	if len(any) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	return bleve.NewDisjunctionQuery(any...)
}

// bleveFilter is a checked filter as an index query.
func bleveFilter(e *Expr) query.Query {
	switch e.Op {
	case OpAnd:
		var kids []query.Query
		for _, k := range e.Kids {
			kids = append(kids, bleveFilter(k))
		}
		return bleve.NewConjunctionQuery(kids...)
	case OpOr:
		var kids []query.Query
		for _, k := range e.Kids {
			kids = append(kids, bleveFilter(k))
		}
		return bleve.NewDisjunctionQuery(kids...)
	case OpEq:
		return bleveEq(e.Field, e.Values[0])
	case OpNeq:
		return not(bleveEq(e.Field, e.Values[0]))
	case OpIn, OpNin:
		var kids []query.Query
		for _, v := range e.Values {
			kids = append(kids, bleveEq(e.Field, v))
		}
		q := query.Query(bleve.NewDisjunctionQuery(kids...))
		if e.Op == OpNin {
			return not(q)
		}
		return q
	case OpBetween:
		return numRange(e.Field, ptr(e.Values[0]), ptr(e.Values[1]), true, true)
	case OpGt:
		return numRange(e.Field, ptr(e.Values[0]), nil, false, false)
	case OpGte:
		return numRange(e.Field, ptr(e.Values[0]), nil, true, false)
	case OpLt:
		return numRange(e.Field, nil, ptr(e.Values[0]), false, false)
	case OpLte:
		return numRange(e.Field, nil, ptr(e.Values[0]), false, true)
	}
	return bleve.NewMatchNoneQuery() // unreachable: the parser knows no other operator
}

func ptr(v any) *float64 {
	f := float64(v.(int64))
	return &f
}

func numRange(field string, lo, hi *float64, loIn, hiIn bool) query.Query {
	q := bleve.NewNumericRangeInclusiveQuery(lo, hi, &loIn, &hiIn)
	q.SetField(field)
	return q
}

func bleveEq(field string, v any) query.Query {
	switch t := v.(type) {
	case string:
		q := bleve.NewTermQuery(t)
		q.SetField(field)
		return q
	case int64:
		return numRange(field, ptr(t), ptr(t), true, true)
	case bool:
		q := bleve.NewBoolFieldQuery(t)
		q.SetField(field)
		return q
	}
	return bleve.NewMatchNoneQuery()
}

func not(q query.Query) query.Query {
	b := bleve.NewBooleanQuery()
	b.AddMust(bleve.NewMatchAllQuery())
	b.AddMustNot(q)
	return b
}

// IDs implements Backend: every document id, by pages in id order.
func (b *Embedded) IDs(ctx context.Context, c *Collection, fn func(ids []string) error) error {
	idx, err := b.index(c)
	if err != nil {
		return err
	}
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1000, 0, false)
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		if len(res.Hits) == 0 {
			return nil
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		if err := fn(ids); err != nil {
			return err
		}
		after = []string{ids[len(ids)-1]}
	}
}

// Count returns how many documents the collection's index holds.
func (b *Embedded) Count(c *Collection) (uint64, error) {
	idx, err := b.index(c)
	if err != nil {
		return 0, err
	}
	return idx.DocCount()
}

// Close implements Backend.
func (b *Embedded) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var first error
	for name, idx := range b.indexes {
		if err := idx.Close(); err != nil && first == nil {
			first = err
		}
		delete(b.indexes, name)
	}
	return first
}
