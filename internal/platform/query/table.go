package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// Table is generic CRUD over one table whose rows are T (a struct with a bun.BaseModel table tag,
// an id field, and optionally createdAt, updatedAt, deletedAt and tenant fields).
type Table[T any] struct {
	Name      string // resource name in errors, e.g. "configuration"
	db        *db.DB
	ids       *id.Generator
	m         *meta
	tenant    Tenant
	soft      bool
	readOnly  map[string]bool // JSON fields a client may not change
	relations map[string]relation
	order     []string // default order
}

// Options configure a Table.
type Options struct {
	Tenant Tenant
	// ReadOnly JSON fields besides id, createdAt, updatedAt, deletedAt and the tenant fields.
	ReadOnly []string
	// Order is the default order, e.g. []string{"createdAt DESC"}; "id DESC" when empty.
	Order []string
}

// NewTable reads T's metadata. It panics on a malformed T, which is a programming error found at
// start-up.
func NewTable[T any](name string, d *db.DB, ids *id.Generator, o Options) *Table[T] {
	m, err := readMeta(reflect.TypeFor[T]())
	if err != nil {
		panic(err)
	}
	t := &Table[T]{Name: name, db: d, ids: ids, m: m, tenant: o.Tenant, readOnly: map[string]bool{},
		relations: map[string]relation{}, order: o.Order}
	_, t.soft = m.fields["deletedAt"]
	for _, f := range append([]string{"id", "createdAt", "updatedAt", "deletedAt", o.Tenant.Organizer}, o.ReadOnly...) {
		if f != "" {
			t.readOnly[f] = true
		}
	}
	for _, f := range []string{o.Tenant.Organizer, o.Tenant.Merchant} {
		if _, ok := m.fields[f]; f != "" && !ok {
			panic(fmt.Sprintf("query: %s has no tenant field %s", name, f))
		}
	}
	if len(t.order) == 0 {
		t.order = []string{"id DESC"}
	}
	return t
}

// Fields returns the declared fields by JSON name.
func (t *Table[T]) Fields() map[string]Field { return t.m.fields }

// SoftDeletes reports whether the table has deleted_at.
func (t *Table[T]) SoftDeletes() bool { return t.soft }

// DB returns the database.
func (t *Table[T]) DB() *db.DB { return t.db }

// TableName returns the SQL table.
func (t *Table[T]) TableName() string { return t.m.table }

// Deleted says which rows a read sees.
type Deleted int

// Soft-delete visibility.
const (
	ExcludeDeleted Deleted = iota
	IncludeDeleted
	OnlyDeleted
)

// conds are the conditions every statement carries: soft delete and tenant scope.
func (t *Table[T]) conds(ctx context.Context, del Deleted) (string, []any) {
	var parts []string
	var args []any
	if t.soft {
		switch del {
		case ExcludeDeleted:
			parts = append(parts, `"deleted_at" IS NULL`)
		case OnlyDeleted:
			parts = append(parts, `"deleted_at" IS NOT NULL`)
		}
	}
	if t.tenant.Organizer != "" {
		sc := auth.ScopeOf(ctx)
		if !sc.All {
			parts = append(parts, quoteIdent(t.m.fields[t.tenant.Organizer].Column)+" = ?")
			args = append(args, int64(sc.OrganizerID))
			if t.tenant.Merchant != "" && len(sc.MerchantIDs) > 0 {
				col := quoteIdent(t.m.fields[t.tenant.Merchant].Column)
				ph := make([]string, len(sc.MerchantIDs))
				for i, m := range sc.MerchantIDs {
					ph[i] = "?"
					args = append(args, int64(m))
				}
				parts = append(parts, "("+col+" IN ("+strings.Join(ph, ", ")+") OR "+col+" IS NULL)")
			}
		}
	}
	if len(parts) == 0 {
		return "1=1", nil
	}
	return strings.Join(parts, " AND "), args
}

// Where compiles a where object against the table's fields.
func (t *Table[T]) Where(where map[string]any, loc string) (Clause, error) {
	if len(where) == 0 {
		return Clause{SQL: "1=1"}, nil
	}
	return compileWhere(t.db.Dialect, t.m.fields, where, loc)
}

func (t *Table[T]) orderBy(order []string, loc string) (string, error) {
	if len(order) == 0 {
		order = t.order
	}
	var parts []string
	hasID := false
	for i, o := range order {
		at := fmt.Sprintf("%s[%d]", loc, i)
		fs := strings.Fields(o)
		if len(fs) == 0 || len(fs) > 2 {
			return "", errs.Field(at, `must be "field" or "field ASC|DESC"`, o)
		}
		f, ok := t.m.fields[fs[0]]
		if !ok || f.Hidden || f.Kind == JSON {
			return "", errs.Field(at, "unknown or unsortable field "+fs[0], o)
		}
		dir := "ASC"
		if len(fs) == 2 {
			dir = strings.ToUpper(fs[1])
			if dir != "ASC" && dir != "DESC" {
				return "", errs.Field(at, "direction must be ASC or DESC", o)
			}
		}
		if f.Name == "id" {
			hasID = true
		}
		parts = append(parts, quoteIdent(f.Column)+" "+dir)
	}
	if !hasID {
		parts = append(parts, `"id" DESC`) // a stable order for paging
	}
	return strings.Join(parts, ", "), nil
}

// statement joins clauses into SQL with the dialect's placeholders.
func (t *Table[T]) selectSQL(ctx context.Context, where Clause, del Deleted, order string, limit, skip int, lock bool) (string, []any) {
	cond, args := t.conds(ctx, del)
	var b strings.Builder
	b.WriteString("SELECT " + t.m.columns + " FROM " + t.m.table + " WHERE " + cond)
	if where.SQL != "" && where.SQL != "1=1" {
		b.WriteString(" AND (" + where.SQL + ")")
		args = append(args, where.Args...)
	}
	if order != "" {
		b.WriteString(" ORDER BY " + order)
	}
	if limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(limit))
	}
	if skip > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(skip))
	}
	if lock && t.db.Dialect == db.Postgres {
		b.WriteString(" FOR UPDATE")
	}
	return t.db.Rebind(b.String()), args
}

func (t *Table[T]) query(ctx context.Context, write bool, q string, args []any) ([]T, error) {
	rows, err := t.db.Raw(ctx, write).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	out := []T{}
	if err := t.db.W.ScanRows(ctx, rows, &out); err != nil {
		return nil, db.Classify(err)
	}
	return out, db.Classify(rows.Err())
}

// Find lists rows matching f.
func (t *Table[T]) Find(ctx context.Context, f *Filter, del Deleted) ([]T, error) {
	if f == nil {
		f = &Filter{Limit: DefaultLimit}
	}
	where, err := t.Where(f.Where, "query.filter.where")
	if err != nil {
		return nil, err
	}
	order, err := t.orderBy(f.Order, "query.filter.order")
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	q, args := t.selectSQL(ctx, where, del, order, limit, f.Skip, false)
	return t.query(ctx, false, q, args)
}

// Count counts rows matching where.
func (t *Table[T]) Count(ctx context.Context, where map[string]any, del Deleted) (int64, error) {
	w, err := t.Where(where, "query.where")
	if err != nil {
		return 0, err
	}
	cond, args := t.conds(ctx, del)
	q := "SELECT count(*) FROM " + t.m.table + " WHERE " + cond
	if w.SQL != "1=1" {
		q += " AND (" + w.SQL + ")"
		args = append(args, w.Args...)
	}
	var n int64
	err = t.db.Raw(ctx, false).QueryRowContext(ctx, t.db.Rebind(q), args...).Scan(&n)
	return n, db.Classify(err)
}

// Get returns the row with the id, or errs.ErrNotFound (also for another tenant's row).
func (t *Table[T]) Get(ctx context.Context, rowID id.ID, del Deleted) (*T, error) {
	return t.get(ctx, rowID, del, false)
}

func (t *Table[T]) get(ctx context.Context, rowID id.ID, del Deleted, lock bool) (*T, error) {
	q, args := t.selectSQL(ctx, Clause{SQL: `"id" = ?`, Args: []any{int64(rowID)}}, del, "", 1, 0, lock)
	rows, err := t.query(ctx, lock, q, args)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errs.Wrap(errs.NotFound, t.Name+" "+rowID.String()+" not found", errs.ErrNotFound)
	}
	return &rows[0], nil
}

// Create inserts row, assigning its id and timestamps. A non-admin caller's row is placed in the
// caller's organizer; a merchant outside the caller's scope is refused.
func (t *Table[T]) Create(ctx context.Context, row *T) error {
	rv := reflect.ValueOf(row)
	if t.m.get(rv, "id").Int() == 0 {
		t.m.set(rv, "id", t.ids.Next())
	}
	now := stamp()
	if _, ok := t.m.fields["createdAt"]; ok {
		t.m.set(rv, "createdAt", now)
	}
	if _, ok := t.m.fields["updatedAt"]; ok {
		t.m.set(rv, "updatedAt", now)
	}
	if t.soft {
		t.m.set(rv, "deletedAt", nil)
	}
	if err := t.checkTenant(ctx, rv, true); err != nil {
		return err
	}
	_, err := t.db.IDB(ctx).NewInsert().Model(row).Exec(ctx)
	return db.Classify(err)
}

func (t *Table[T]) checkTenant(ctx context.Context, rv reflect.Value, assign bool) error {
	if t.tenant.Organizer == "" {
		return nil
	}
	sc := auth.ScopeOf(ctx)
	if sc.All {
		if t.m.get(rv, t.tenant.Organizer).Int() == 0 {
			return errs.Field("body."+t.tenant.Organizer, "is required", nil)
		}
		return nil
	}
	if assign {
		t.m.set(rv, t.tenant.Organizer, sc.OrganizerID)
	}
	if t.tenant.Merchant != "" {
		mv := dbValue(t.m.get(rv, t.tenant.Merchant))
		var mid id.ID
		if mv != nil {
			mid = id.ID(mv.(int64))
		}
		if !sc.AllowsMerchant(sc.OrganizerID, mid) || (mid == 0 && len(sc.MerchantIDs) > 0) {
			return errs.Field("body."+t.tenant.Merchant, "is not a merchant you may act for", mv)
		}
	}
	return nil
}

// Update loads the row (locked), lets fn change it, and saves it, in one transaction. Fields that
// are read-only keep their stored values whatever fn does.
func (t *Table[T]) Update(ctx context.Context, rowID id.ID, fn func(*T) error) (*T, error) {
	var out *T
	err := t.db.InTx(ctx, func(ctx context.Context) error {
		row, err := t.get(ctx, rowID, ExcludeDeleted, true)
		if err != nil {
			return err
		}
		out, err = t.change(ctx, row, fn)
		return err
	})
	return out, err
}

// UpdateHeld is Update for a row that the transaction of ctx already holds as it is stored: it
// inserted the row, or loaded it for update. fn changes a copy, which is saved without reading
// the row again; held itself is left as it was.
func (t *Table[T]) UpdateHeld(ctx context.Context, held *T, fn func(*T) error) (*T, error) {
	if !db.InTransaction(ctx) {
		return nil, errors.New("query: UpdateHeld outside the transaction that holds the row")
	}
	row := *held
	return t.change(ctx, &row, fn)
}

// change lets fn change row, restores its read-only fields, and saves it.
func (t *Table[T]) change(ctx context.Context, row *T, fn func(*T) error) (*T, error) {
	before := *row
	if err := fn(row); err != nil {
		return nil, err
	}
	rv, bv := reflect.ValueOf(row), reflect.ValueOf(&before)
	for name := range t.readOnly {
		if _, ok := t.m.index[name]; ok {
			t.m.get(rv, name).Set(t.m.get(bv, name))
		}
	}
	if err := t.checkTenant(ctx, rv, false); err != nil {
		return nil, err
	}
	if _, ok := t.m.fields["updatedAt"]; ok {
		t.m.set(rv, "updatedAt", stamp())
	}
	if _, err := t.db.IDB(ctx).NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
		return nil, db.Classify(err)
	}
	return row, nil
}

// Merge applies a JSON object to row: the fields it names change, others keep their values.
// Unknown fields are an error naming them.
func (t *Table[T]) Merge(row *T, patch []byte) error {
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(row); err != nil {
		return errs.Field("body", "cannot apply: "+err.Error(), nil)
	}
	return nil
}

// UpdateWhere changes every row matching where with fn, in one transaction, and counts them.
func (t *Table[T]) UpdateWhere(ctx context.Context, where map[string]any, fn func(*T) error) (int64, error) {
	w, err := t.Where(where, "query.where")
	if err != nil {
		return 0, err
	}
	var n int64
	err = t.db.InTx(ctx, func(ctx context.Context) error {
		q, args := t.selectSQL(ctx, w, ExcludeDeleted, `"id" ASC`, 0, 0, true)
		rows, err := t.query(ctx, true, q, args)
		if err != nil {
			return err
		}
		for i := range rows {
			rid := id.ID(dbValue(t.m.get(reflect.ValueOf(&rows[i]), "id")).(int64))
			if _, err := t.Update(ctx, rid, fn); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (t *Table[T]) exec(ctx context.Context, q string, args []any) (int64, error) {
	res, err := t.db.Raw(ctx, true).ExecContext(ctx, t.db.Rebind(q), args...)
	if err != nil {
		return 0, db.Classify(err)
	}
	return res.RowsAffected()
}

// Delete soft-deletes the row (or removes it when hard, or when the table has no deleted_at).
func (t *Table[T]) Delete(ctx context.Context, rowID id.ID, hard bool) error {
	n, err := t.DeleteWhereClause(ctx, Clause{SQL: `"id" = ?`, Args: []any{int64(rowID)}}, hard)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.Wrap(errs.NotFound, t.Name+" "+rowID.String()+" not found", errs.ErrNotFound)
	}
	return nil
}

// DeleteWhere deletes every row matching where and counts them.
func (t *Table[T]) DeleteWhere(ctx context.Context, where map[string]any, hard bool) (int64, error) {
	w, err := t.Where(where, "query.where")
	if err != nil {
		return 0, err
	}
	return t.DeleteWhereClause(ctx, w, hard)
}

// DeleteWhereClause deletes the rows matching a compiled clause.
func (t *Table[T]) DeleteWhereClause(ctx context.Context, w Clause, hard bool) (int64, error) {
	del := ExcludeDeleted
	if hard {
		del = IncludeDeleted
	}
	cond, args := t.conds(ctx, del)
	cond += " AND (" + w.SQL + ")"
	args = append(args, w.Args...)
	if hard || !t.soft {
		return t.exec(ctx, "DELETE FROM "+t.m.table+" WHERE "+cond, args)
	}
	return t.exec(ctx, `UPDATE `+t.m.table+` SET "deleted_at" = ? WHERE `+cond, append([]any{stamp()}, args...))
}

// Restore undoes a soft delete.
func (t *Table[T]) Restore(ctx context.Context, rowID id.ID) (*T, error) {
	if !t.soft {
		return nil, errs.New(errs.Conflict, t.Name+" rows are not soft-deleted")
	}
	cond, args := t.conds(ctx, OnlyDeleted)
	n, err := t.exec(ctx, `UPDATE `+t.m.table+` SET "deleted_at" = NULL WHERE `+cond+` AND "id" = ?`, append(args, int64(rowID)))
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.Wrap(errs.NotFound, t.Name+" "+rowID.String()+" not found among deleted rows", errs.ErrNotFound)
	}
	return t.Get(ctx, rowID, ExcludeDeleted)
}

// stamp is the time written to createdAt, updatedAt and deletedAt: UTC at the microsecond,
// PostgreSQL's precision, so that the row an operation answers with is the row a later read finds.
func stamp() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
