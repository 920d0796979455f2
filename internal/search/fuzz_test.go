package search_test

import (
	"testing"
	"unicode/utf8"

	"github.com/banapos/bana/internal/search"
)

// FuzzSearchParams: whatever a client sends as q, facets and sort, the request is refused or
// checked, and a checked one has folded words only, known facets and sort fields.
func FuzzSearchParams(f *testing.F) {
	for _, s := range [][3]string{{"cà phê sữa", "status", "-price"}, {"ĐÀO", "status,merchantId", "name:desc,price"},
		{"8934588012112", "", "position ASC"}, {"\x00\xff", ",", "-"}} {
		f.Add(s[0], s[1], s[2])
	}
	c := products(f)
	f.Fuzz(func(t *testing.T, q, facets, sort string) {
		r, err := search.ParseRequest(c, search.Params{Q: q, Facets: facets, Sort: sort})
		if err != nil {
			return
		}
		for _, w := range r.Words {
			if w == "" || w != search.Fold(w) || !utf8.ValidString(w) && utf8.ValidString(q) {
				t.Fatalf("q=%q gives the word %q", q, w)
			}
		}
		for _, name := range r.Facets {
			if fd, ok := c.Field(name); !ok || !fd.Facet {
				t.Fatalf("facet %q accepted", name)
			}
		}
		for _, k := range r.Sort {
			if fd, ok := c.Field(k.Field); !ok || !fd.Sort {
				t.Fatalf("sort %q accepted", k.Field)
			}
		}
		_ = search.BleveQuery(c, r)
	})
}
