package search

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// Limits of a search request.
const (
	DefaultLimit = 20
	MaxLimit     = 250
	MaxPage      = 1000
	maxQLen      = 200
	maxFacets    = 10
	maxSortKeys  = 3
	// batchSize is how many documents a reindex reads and writes at a time.
	batchSize = 500
)

// Params are a search as the client sends it.
type Params struct {
	Q      string
	Filter string // the filter language's where object, JSON
	Facets string // comma separated
	Sort   string // comma separated; "-price" or "price:desc" descending
	Page   int
	Limit  int
}

// Collection returns the named collection or ErrUnknownCollection.
func (m *Module) Collection(name string) (*Collection, error) {
	c, ok := m.collections[name]
	if !ok {
		return nil, errs.Field("path.collection", "is not a search collection (have: "+strings.Join(CollectionNames(), ", ")+")", name)
	}
	return c, nil
}

// Search answers a search of a collection for the caller of ctx: the client's filter ANDed with
// the caller's tenant scope, which the client cannot widen.
func (m *Module) Search(ctx context.Context, collection string, p Params) (*SearchResult, error) {
	c, err := m.Collection(collection)
	if err != nil {
		return nil, err
	}
	if pr := auth.From(ctx); pr != nil && !pr.Can(c.Permission) {
		return nil, errs.Wrap(errs.Forbidden, "reading "+c.Name+" requires the permission "+c.Permission, ErrForbidden)
	}
	scope, err := Scope(ctx, c)
	if err != nil {
		return nil, err
	}
	r, err := parseRequest(c, p)
	if err != nil {
		return nil, err
	}
	r.Filter = And(scope, r.Filter)
	res, err := m.backend.Search(ctx, c, r)
	if err != nil {
		if errs.KindOf(err) != errs.Internal {
			return nil, err
		}
		m.log.ErrorContext(ctx, "search failed", "collection", c.Name, "backend", m.backend.Name(), "error", err)
		return nil, errs.Wrap(errs.Unavailable, "the search engine did not answer", ErrBackend)
	}
	return res, nil
}

// Scope is the filter that confines a search to the caller's tenant: nothing for admins and
// the system, the organizer for others, and an employee's merchants where the collection is a
// merchant's. No caller: auth.ErrNoPrincipal.
func Scope(ctx context.Context, c *Collection) (*Expr, error) {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return nil, err
	}
	if sc.All {
		return nil, nil
	}
	e := &Expr{Op: OpEq, Field: FieldOrganizer, Values: []any{sc.OrganizerID.String()}}
	if len(sc.MerchantIDs) > 0 && c.Merchant != "" {
		in := &Expr{Op: OpIn, Field: c.Merchant}
		for _, mid := range sc.MerchantIDs {
			in.Values = append(in.Values, mid.String())
		}
		e = And(e, in)
	}
	return e, nil
}

// parseRequest checks the client's parameters.
func parseRequest(c *Collection, p Params) (*Request, error) {
	r := &Request{Q: strings.TrimSpace(p.Q), Page: p.Page, Limit: p.Limit}
	if len(r.Q) > maxQLen {
		return nil, errs.Field("query.q", fmt.Sprintf("must be at most %d bytes", maxQLen), p.Q)
	}
	r.Words = Words(Fold(r.Q))
	if r.Page == 0 {
		r.Page = 1
	}
	if r.Limit == 0 {
		r.Limit = DefaultLimit
	}
	if r.Page < 1 || r.Page > MaxPage {
		return nil, errs.Field("query.page", fmt.Sprintf("must be between 1 and %d", MaxPage), p.Page)
	}
	if r.Limit < 1 || r.Limit > MaxLimit {
		return nil, errs.Field("query.limit", fmt.Sprintf("must be between 1 and %d", MaxLimit), p.Limit)
	}
	var err error
	if r.Filter, err = ParseFilter(c, p.Filter); err != nil {
		return nil, err
	}
	if p.Facets != "" {
		for _, f := range strings.Split(p.Facets, ",") {
			f = strings.TrimSpace(f)
			fd, ok := c.Field(f)
			if !ok || !fd.Facet {
				return nil, errs.Field("query.facets", "is not a facet of "+c.Name+" (have: "+strings.Join(facets(c), ", ")+")", f)
			}
			if !slices.Contains(r.Facets, f) {
				r.Facets = append(r.Facets, f)
			}
		}
		if len(r.Facets) > maxFacets {
			return nil, errs.Field("query.facets", fmt.Sprintf("may name at most %d facets", maxFacets), p.Facets)
		}
	}
	if p.Sort != "" {
		for _, s := range strings.Split(p.Sort, ",") {
			s = strings.TrimSpace(s)
			k := SortKey{Field: s}
			switch {
			case strings.HasPrefix(s, "-"):
				k = SortKey{Field: s[1:], Desc: true}
			case strings.HasSuffix(s, ":desc"), strings.HasSuffix(s, " DESC"):
				k = SortKey{Field: s[:len(s)-5], Desc: true}
			case strings.HasSuffix(s, ":asc"), strings.HasSuffix(s, " ASC"):
				k = SortKey{Field: s[:len(s)-4]}
			}
			fd, ok := c.Field(k.Field)
			if !ok || !fd.Sort {
				return nil, errs.Field("query.sort", "is not a sort field of "+c.Name+" (have: "+strings.Join(sorts(c), ", ")+")", s)
			}
			r.Sort = append(r.Sort, k)
		}
		if len(r.Sort) > maxSortKeys {
			return nil, errs.Field("query.sort", fmt.Sprintf("may name at most %d fields", maxSortKeys), p.Sort)
		}
	}
	return r, nil
}

func facets(c *Collection) []string {
	var out []string
	for _, f := range c.Fields {
		if f.Facet {
			out = append(out, f.Name)
		}
	}
	return out
}

func sorts(c *Collection) []string {
	var out []string
	for _, f := range c.Fields {
		if f.Sort {
			out = append(out, f.Name)
		}
	}
	return out
}

// Change says that rows of a collection changed: the rows named (upserted when they exist and
// are not deleted, else removed from the index), or every row of a merchant in the merchant's
// collections (a new merchant's seeded categories and channels).
type Change struct {
	Collection string
	IDs        []id.ID
	Merchant   id.ID
}

// Apply brings the index up to date with a change, reading the rows from the database.
func (m *Module) Apply(ctx context.Context, ch Change) error {
	if ch.Merchant != 0 {
		for _, name := range []string{Categories, SaleChannels, Devices, Merchants} { // the merchant last: once it is found, its rows are
			c := m.collections[name]
			docs, err := m.store.merchantRows(ctx, c, ch.Merchant)
			if err != nil {
				return err
			}
			if len(docs) > 0 {
				if err := m.backend.Upsert(ctx, c, docs); err != nil {
					return err
				}
			}
		}
	}
	if len(ch.IDs) == 0 {
		return nil
	}
	c, err := m.Collection(ch.Collection)
	if err != nil {
		return err
	}
	docs, err := m.store.load(ctx, c, ch.IDs)
	if err != nil {
		return err
	}
	found := map[string]bool{}
	for _, d := range docs {
		found[d.ID()] = true
	}
	var gone []string
	for _, x := range ch.IDs {
		if !found[x.String()] {
			gone = append(gone, x.String())
		}
	}
	if len(docs) > 0 {
		if err := m.backend.Upsert(ctx, c, docs); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		return m.backend.Delete(ctx, c, gone)
	}
	return nil
}

// Progress reports a reindex's progress: documents written so far of a collection.
type Progress func(collection string, indexed int)

// Reindex rebuilds a collection's index from the database: every row written, then the
// documents of rows that are gone removed. Searches keep answering while it runs.
func (m *Module) Reindex(ctx context.Context, collection string, progress Progress) (int, error) {
	c, err := m.Collection(collection)
	if err != nil {
		return 0, err
	}
	if err := m.backend.Ensure(ctx, c); err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	var after id.ID
	n := 0
	for {
		docs, err := m.store.page(ctx, c, after, batchSize)
		if err != nil {
			return n, err
		}
		if len(docs) == 0 {
			break
		}
		if err := m.backend.Upsert(ctx, c, docs); err != nil {
			return n, err
		}
		for _, d := range docs {
			seen[d.ID()] = true
		}
		n += len(docs)
		after, _ = id.Parse(docs[len(docs)-1].ID())
		if progress != nil {
			progress(c.Name, n)
		}
	}
	var stale []string
	err = m.backend.IDs(ctx, c, func(ids []string) error {
		for _, x := range ids {
			if !seen[x] {
				stale = append(stale, x)
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if len(stale) > 0 {
		if err := m.backend.Delete(ctx, c, stale); err != nil {
			return n, err
		}
	}
	return n, nil
}
