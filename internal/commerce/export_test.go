package commerce

import "github.com/banapos/bana/internal/platform/query"

// VariantTable and ProductTable give the tests the tables the module's own code writes through,
// to show that their hooks run for such writes as for the CRUD routes'.
func VariantTable(m *Module) *query.Table[ProductVariant] { return m.variants }

// ProductTable: see VariantTable.
func ProductTable(m *Module) *query.Table[Product] { return m.products }
