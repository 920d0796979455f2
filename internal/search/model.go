package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Kind is the type of a collection's field: how it is indexed, filtered and shown.
type Kind int

// Field kinds.
const (
	// Text is free text: folded (Fold) and matched word by word, with prefixes and typos.
	Text Kind = iota + 1
	// Keyword is an exact string: ids, codes, states. Filtered, faceted and sorted as is.
	Keyword
	// Number is an integer (prices in đồng, positions): filtered by range and sorted.
	Number
	// Bool is true or false.
	Bool
	// Codes are barcodes and SKUs: matched exactly by q (after trimming, upper case), never by
	// prefix or typo.
	Codes
)

// Field is one field of a collection's documents.
type Field struct {
	Name  string
	Kind  Kind
	Facet bool // may be asked for in facets (Keyword and Bool fields)
	Sort  bool // may be sorted on (Keyword, Number; a Text field sorts by its folded value)
	// List: the field holds a list of values (variant names, codes).
	List bool
}

// Filterable reports whether the filter language may name the field.
func (f Field) Filterable() bool { return f.Kind == Keyword || f.Kind == Number || f.Kind == Bool }

// Collection is one searchable collection: its name in the path, its fields, and the
// permission that reads it.
type Collection struct {
	Name       string
	Permission string
	// Merchant is the field that holds the merchant a document belongs to ("" when the
	// collection is not a merchant's: organizers).
	Merchant string
	Fields   []Field
	// DefaultSort applies when the request has neither sort nor q.
	DefaultSort []string

	byName map[string]Field
}

// Field returns the named field.
func (c *Collection) Field(name string) (Field, bool) {
	f, ok := c.byName[name]
	return f, ok
}

// Fields of every collection.
const (
	FieldID        = "id"
	FieldOrganizer = "organizerId"
	FieldMerchant  = "merchantId"
)

// Names of the collections.
const (
	Products     = "products"
	Organizers   = "organizers"
	Merchants    = "merchants"
	Categories   = "categories"
	Devices      = "devices"
	SaleChannels = "sale-channels"
)

// Collections returns the collections BANA indexes, each with its schema.
func Collections() []*Collection {
	tenant := []Field{{Name: FieldID, Kind: Keyword}, {Name: FieldOrganizer, Kind: Keyword, Facet: true}}
	merchant := append(append([]Field{}, tenant...), Field{Name: FieldMerchant, Kind: Keyword, Facet: true})
	list := []*Collection{
		{Name: Products, Permission: "catalog.read", Merchant: FieldMerchant, Fields: append(merchant,
			Field{Name: "categoryId", Kind: Keyword, Facet: true},
			Field{Name: "name", Kind: Text, Sort: true},
			Field{Name: "description", Kind: Text},
			Field{Name: "categoryName", Kind: Text},
			Field{Name: "variantNames", Kind: Text, List: true},
			Field{Name: "codes", Kind: Codes, List: true},
			Field{Name: "status", Kind: Keyword, Facet: true, Sort: true},
			Field{Name: "price", Kind: Number, Sort: true},
			Field{Name: "position", Kind: Number, Sort: true},
		), DefaultSort: []string{"position", "name"}},
		{Name: Organizers, Permission: "organizer.read", Fields: append(tenant,
			Field{Name: "name", Kind: Text, Sort: true},
			Field{Name: "status", Kind: Keyword, Facet: true, Sort: true},
		), DefaultSort: []string{"name"}},
		{Name: Merchants, Permission: "merchant.read", Merchant: FieldMerchant, Fields: append(merchant,
			Field{Name: "name", Kind: Text, Sort: true},
			Field{Name: "address", Kind: Text},
			Field{Name: "phone", Kind: Codes},
			Field{Name: "taxCode", Kind: Codes},
			Field{Name: "type", Kind: Keyword, Facet: true, Sort: true},
			Field{Name: "status", Kind: Keyword, Facet: true, Sort: true},
		), DefaultSort: []string{"name"}},
		{Name: Categories, Permission: "catalog.read", Merchant: FieldMerchant, Fields: append(merchant,
			Field{Name: "parentId", Kind: Keyword, Facet: true},
			Field{Name: "code", Kind: Keyword, Sort: true},
			Field{Name: "name", Kind: Text, Sort: true},
			Field{Name: "description", Kind: Text},
			Field{Name: "status", Kind: Keyword, Facet: true, Sort: true},
			Field{Name: "position", Kind: Number, Sort: true},
		), DefaultSort: []string{"position", "name"}},
		{Name: Devices, Permission: "device.read", Merchant: FieldMerchant, Fields: append(merchant,
			Field{Name: "terminalId", Kind: Keyword, Facet: true},
			Field{Name: "name", Kind: Text, Sort: true},
			Field{Name: "serial", Kind: Codes},
			Field{Name: "kind", Kind: Keyword, Facet: true, Sort: true},
			Field{Name: "platform", Kind: Keyword, Facet: true},
			Field{Name: "status", Kind: Keyword, Facet: true, Sort: true},
		), DefaultSort: []string{"name"}},
		{Name: SaleChannels, Permission: "catalog.read", Merchant: FieldMerchant, Fields: append(merchant,
			Field{Name: "code", Kind: Keyword, Sort: true},
			Field{Name: "name", Kind: Text, Sort: true},
			Field{Name: "status", Kind: Keyword, Facet: true, Sort: true},
			Field{Name: "position", Kind: Number, Sort: true},
		), DefaultSort: []string{"position", "name"}},
	}
	for _, c := range list {
		c.byName = map[string]Field{}
		for _, f := range c.Fields {
			c.byName[f.Name] = f
		}
	}
	return list
}

// CollectionNames lists the collections' names.
func CollectionNames() []string {
	var out []string
	for _, c := range Collections() {
		out = append(out, c.Name)
	}
	return out
}

// Document is one indexed document: field name to value (string, []string, int64, bool). Its
// "id" is a string.
type Document map[string]any

// ID returns the document's id.
func (d Document) ID() string { s, _ := d[FieldID].(string); return s }

// Fold folds Vietnamese text for matching (VIETNAM.md): NFD, combining marks removed, NFC,
// lower case, đ to d. "Cà phê sữa đá" is "ca phe sua da".
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = strings.ToLower(out)
	return strings.NewReplacer("đ", "d", "Đ", "d").Replace(out)
}

// Words splits folded text into the words the index matches: runs of letters and digits.
func Words(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// NormalizeCode is how a barcode or SKU is stored and matched: trimmed, upper case.
func NormalizeCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Typos returns how many typos a word of the query may have: none under 4 letters, 1 from 4,
// 2 from 7 (Typesense's min_len_1typo and min_len_2typo defaults).
func Typos(word string) int {
	n := len([]rune(word))
	switch {
	case n >= 7:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// Request is one search, checked: the folded words, the filter (the client's, and the tenant's
// scope ANDed to it by the service), facets, sort, page.
type Request struct {
	Q      string   // as sent, trimmed
	Words  []string // folded words of Q
	Filter *Expr    // nil: none
	Facets []string
	Sort   []SortKey
	Page   int // from 1
	Limit  int
}

// SortKey is one sort field.
type SortKey struct {
	Field string
	Desc  bool
}

// SearchResult is a page of hits.
type SearchResult struct {
	Found  int                     `json:"found" doc:"Documents matching, over all pages"`
	Page   int                     `json:"page"`
	Limit  int                     `json:"limit"`
	Hits   []SearchHit             `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty" doc:"Per asked facet: its values and counts"`
}

// SearchHit is one matching document.
type SearchHit struct {
	ID       string   `json:"id"`
	Score    float64  `json:"score"`
	Document Document `json:"document"`
}

// FacetCount is a facet value and how many matching documents have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }
