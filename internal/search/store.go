package search

import (
	"context"
	"database/sql"
	"strings"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// store reads the rows the collections index from their owners' tables (commerce's catalog,
// merchants and devices; identity's organizers). It only reads: the index is a projection of
// those tables, rebuilt from them by a reindex.
type store struct {
	db *db.DB
}

// source is how one collection's documents are read: a SELECT of one row per document whose
// first column is the id, its scan, and what is added to a page of documents afterwards.
type source struct {
	sel    string // SELECT ... FROM t WHERE t.deleted_at IS NULL
	idCol  string
	scan   func(rows *sql.Rows) (Document, error)
	enrich func(ctx context.Context, s *store, docs []Document, ids []int64) error
}

func sqlID(v sql.NullInt64) any {
	if !v.Valid {
		return nil
	}
	return id.ID(v.Int64).String()
}

var sources = map[string]source{
	Products: {
		sel: `SELECT p.id, p.organizer_id, p.merchant_id, p.category_id, p.name, p.description, p.status, p.position, c.name
			FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.deleted_at IS NULL`,
		idCol: "p.id",
		scan: func(rows *sql.Rows) (Document, error) {
			var pid, org, mer int64
			var cat sql.NullInt64
			var name, desc, status db.OptText
			var catName sql.NullString
			var pos int64
			if err := rows.Scan(&pid, &org, &mer, &cat, &name, &desc, &status, &pos, &catName); err != nil {
				return nil, err
			}
			d := Document{FieldID: id.ID(pid).String(), FieldOrganizer: id.ID(org).String(), FieldMerchant: id.ID(mer).String(),
				"name": string(name), "status": string(status), "position": pos}
			if c := sqlID(cat); c != nil {
				d["categoryId"] = c
			}
			if desc != "" {
				d["description"] = string(desc)
			}
			if catName.Valid && catName.String != "" {
				d["categoryName"] = catName.String
			}
			return d, nil
		},
		enrich: enrichProducts,
	},
	Organizers: {
		sel:   `SELECT o.id, o.name, o.status FROM organizers o WHERE o.deleted_at IS NULL`,
		idCol: "o.id",
		scan: func(rows *sql.Rows) (Document, error) {
			var oid int64
			var name db.OptText
			var status sql.NullString
			if err := rows.Scan(&oid, &name, &status); err != nil {
				return nil, err
			}
			s := id.ID(oid).String()
			return Document{FieldID: s, FieldOrganizer: s, "name": string(name), "status": status.String}, nil
		},
	},
	Merchants: {
		sel:   `SELECT m.id, m.organizer_id, m.name, m.address, m.phone, m.tax_code, m.type, m.status FROM merchants m WHERE m.deleted_at IS NULL`,
		idCol: "m.id",
		scan: func(rows *sql.Rows) (Document, error) {
			var mid, org int64
			var name, addr, phone, tax, typ, status db.OptText
			if err := rows.Scan(&mid, &org, &name, &addr, &phone, &tax, &typ, &status); err != nil {
				return nil, err
			}
			d := Document{FieldID: id.ID(mid).String(), FieldOrganizer: id.ID(org).String(), FieldMerchant: id.ID(mid).String(),
				"name": string(name), "type": string(typ), "status": string(status)}
			for k, v := range map[string]db.OptText{"address": addr, "phone": phone, "taxCode": tax} {
				if v != "" {
					d[k] = string(v)
				}
			}
			return d, nil
		},
	},
	Categories: {
		sel:   `SELECT c.id, c.organizer_id, c.merchant_id, c.parent_id, c.code, c.name, c.description, c.status, c.position FROM categories c WHERE c.deleted_at IS NULL`,
		idCol: "c.id",
		scan: func(rows *sql.Rows) (Document, error) {
			var cid, org, mer, pos int64
			var parent sql.NullInt64
			var code, name, desc, status db.OptText
			if err := rows.Scan(&cid, &org, &mer, &parent, &code, &name, &desc, &status, &pos); err != nil {
				return nil, err
			}
			d := Document{FieldID: id.ID(cid).String(), FieldOrganizer: id.ID(org).String(), FieldMerchant: id.ID(mer).String(),
				"code": string(code), "name": string(name), "status": string(status), "position": pos}
			if p := sqlID(parent); p != nil {
				d["parentId"] = p
			}
			if desc != "" {
				d["description"] = string(desc)
			}
			return d, nil
		},
	},
	Devices: {
		sel:   `SELECT d.id, d.organizer_id, d.merchant_id, d.terminal_id, d.name, d.kind, d.platform, d.serial, d.status FROM devices d WHERE d.deleted_at IS NULL`,
		idCol: "d.id",
		scan: func(rows *sql.Rows) (Document, error) {
			var did, org, mer int64
			var term sql.NullInt64
			var name, kind, platform, serial, status db.OptText
			if err := rows.Scan(&did, &org, &mer, &term, &name, &kind, &platform, &serial, &status); err != nil {
				return nil, err
			}
			d := Document{FieldID: id.ID(did).String(), FieldOrganizer: id.ID(org).String(), FieldMerchant: id.ID(mer).String(),
				"name": string(name), "kind": string(kind), "status": string(status)}
			if t := sqlID(term); t != nil {
				d["terminalId"] = t
			}
			if platform != "" {
				d["platform"] = string(platform)
			}
			if serial != "" {
				d["serial"] = string(serial)
			}
			return d, nil
		},
	},
	SaleChannels: {
		sel:   `SELECT s.id, s.organizer_id, s.merchant_id, s.code, s.name, s.status, s.position FROM sale_channels s WHERE s.deleted_at IS NULL`,
		idCol: "s.id",
		scan: func(rows *sql.Rows) (Document, error) {
			var sid, org, mer, pos int64
			var code, name, status db.OptText
			if err := rows.Scan(&sid, &org, &mer, &code, &name, &status, &pos); err != nil {
				return nil, err
			}
			return Document{FieldID: id.ID(sid).String(), FieldOrganizer: id.ID(org).String(), FieldMerchant: id.ID(mer).String(),
				"code": string(code), "name": string(name), "status": string(status), "position": pos}, nil
		},
	},
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64s(ids []id.ID) []any {
	out := make([]any, len(ids))
	for i, x := range ids {
		out[i] = int64(x)
	}
	return out
}

// load reads the documents of the rows with these ids that exist and are not deleted.
func (s *store) load(ctx context.Context, c *Collection, ids []id.ID) ([]Document, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	src := sources[c.Name]
	return s.read(ctx, src, src.sel+" AND "+src.idCol+" IN ("+placeholders(len(ids))+")", int64s(ids))
}

// page reads up to limit documents with ids after the given one, in id order.
func (s *store) page(ctx context.Context, c *Collection, after id.ID, limit int) ([]Document, error) {
	src := sources[c.Name]
	return s.read(ctx, src, src.sel+" AND "+src.idCol+" > ? ORDER BY "+src.idCol+" LIMIT ?", []any{int64(after), limit})
}

// merchantRows lists the ids of a merchant's rows in a collection (its categories, channels...).
func (s *store) merchantRows(ctx context.Context, c *Collection, merchant id.ID) ([]Document, error) {
	src := sources[c.Name]
	col := strings.SplitN(src.idCol, ".", 2)[0] + ".merchant_id"
	if c.Name == Merchants {
		col = src.idCol
	}
	return s.read(ctx, src, src.sel+" AND "+col+" = ?", []any{int64(merchant)})
}

func (s *store) read(ctx context.Context, src source, q string, args []any) ([]Document, error) {
	rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var docs []Document
	var ids []int64
	for rows.Next() {
		d, err := src.scan(rows)
		if err != nil {
			return nil, db.Classify(err)
		}
		n, _ := id.Parse(d.ID())
		docs = append(docs, d)
		ids = append(ids, int64(n))
	}
	if err := rows.Err(); err != nil {
		return nil, db.Classify(err)
	}
	rows.Close()
	if src.enrich != nil && len(docs) > 0 {
		if err := src.enrich(ctx, s, docs, ids); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// enrichProducts adds each product's variant names, its lowest variant price and its codes
// (variant SKUs and identifiers).
func enrichProducts(ctx context.Context, s *store, docs []Document, ids []int64) error {
	byID := map[int64]Document{}
	for i, d := range docs {
		byID[ids[i]] = d
	}
	args := make([]any, len(ids))
	for i, x := range ids {
		args[i] = x
	}
	in := "(" + placeholders(len(ids)) + ")"
	rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(
		"SELECT product_id, name, sku, price FROM product_variants WHERE deleted_at IS NULL AND product_id IN "+in+" ORDER BY position, id"), args...)
	if err != nil {
		return db.Classify(err)
	}
	for rows.Next() {
		var pid, price int64
		var name db.OptText
		var sku sql.NullString
		if err := rows.Scan(&pid, &name, &sku, &price); err != nil {
			rows.Close()
			return db.Classify(err)
		}
		d := byID[pid]
		if name != "" && string(name) != d["name"] {
			d["variantNames"] = append(strs(d["variantNames"]), string(name))
		}
		if sku.Valid && sku.String != "" {
			d["codes"] = appendNew(strs(d["codes"]), sku.String)
		}
		if p, ok := d["price"].(int64); !ok || price < p {
			d["price"] = price
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return db.Classify(err)
	}
	rows.Close()
	rows, err = s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(
		"SELECT product_id, code FROM product_identifiers WHERE deleted_at IS NULL AND product_id IN "+in+" ORDER BY id"), args...)
	if err != nil {
		return db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var code db.OptText
		if err := rows.Scan(&pid, &code); err != nil {
			return db.Classify(err)
		}
		d := byID[pid]
		d["codes"] = appendNew(strs(d["codes"]), string(code))
	}
	return db.Classify(rows.Err())
}

func strs(v any) []string { s, _ := v.([]string); return s }

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
