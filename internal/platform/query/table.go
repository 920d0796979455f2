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
	computed  map[string]bool // JSON fields only the server sets (see Options.Computed)
	relations map[string]relation
	order     []string // default order
	hooks     Hooks[T]
}

// Hook sees one write inside its transaction: the row as stored before it (nil for a create)
// and as it will be stored after it (nil for a hard delete, which removes the row; a soft delete
// shows the row with its deletedAt set). It may change after (a create or an update), write
// other rows in ctx's transaction, or refuse the write with an error, which rolls the whole
// write back.
type Hook[T any] func(ctx context.Context, before, after *T) error

// Hooks are a Table's hooks, one per kind of write. Each runs for every row the write touches,
// whether it comes from the CRUD routes or from a module's own code.
type Hooks[T any] struct {
	Create  Hook[T] // before the insert: before is nil
	Update  Hook[T] // before the save, after read-only fields are restored
	Delete  Hook[T] // before a delete: after is the soft-deleted row, or nil when it is removed
	Restore Hook[T] // before a soft-deleted row is brought back
}

// Options configure a Table.
type Options struct {
	Tenant Tenant
	// ReadOnly JSON fields besides id, createdAt, updatedAt, deletedAt and the tenant fields.
	ReadOnly []string
	// Computed JSON fields are set only by the server (totals, states, counters): the CRUD
	// routes clear them on create, and they are read-only on update. Hooks may set them.
	Computed []string
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
		computed: map[string]bool{}, relations: map[string]relation{}, order: o.Order}
	_, t.soft = m.fields["deletedAt"]
	for _, f := range append(append([]string{"id", "createdAt", "updatedAt", "deletedAt", o.Tenant.Organizer}, o.ReadOnly...), o.Computed...) {
		if f != "" {
			t.readOnly[f] = true
		}
	}
	for _, f := range o.Computed {
		if _, ok := m.fields[f]; !ok {
			panic(fmt.Sprintf("query: %s has no computed field %s", name, f))
		}
		t.computed[f] = true
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

// SetHooks installs the table's write hooks (see Hooks) and returns the table.
func (t *Table[T]) SetHooks(h Hooks[T]) *Table[T] {
	t.hooks = h
	return t
}

// ClearComputed zeroes the fields only the server sets (Options.Computed), for a row that came
// from a client.
func (t *Table[T]) ClearComputed(row *T) {
	rv := reflect.ValueOf(row)
	for f := range t.computed {
		v := t.m.get(rv, f)
		v.Set(reflect.Zero(v.Type()))
	}
}

// ReadOnly reports whether the JSON field keeps its stored value on update whatever a client
// sends: id, the timestamps, the tenant's organizer, Options.ReadOnly and Options.Computed.
func (t *Table[T]) ReadOnly(field string) bool { return t.readOnly[field] }

// Computed reports whether only the server sets the JSON field (Options.Computed): the CRUD
// routes clear it on create.
func (t *Table[T]) Computed(field string) bool { return t.computed[field] }

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

// conds are the conditions every statement carries: soft delete and tenant scope. A tenant
// table reached with neither a caller nor auth.System fails (auth.ErrNoPrincipal).
func (t *Table[T]) conds(ctx context.Context, del Deleted) (string, []any, error) {
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
		sc, err := auth.Tenancy(ctx)
		if err != nil {
			return "", nil, err
		}
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
		return "1=1", nil, nil
	}
	return strings.Join(parts, " AND "), args, nil
}

// Where compiles a where object against the table's fields.
func (t *Table[T]) Where(where map[string]any, loc string) (Clause, error) {
	if len(where) == 0 {
		return Clause{SQL: "1=1"}, nil
	}
	return compileWhere(t.db.Dialect, t.m.table, t.m.fields, where, loc)
}

// whereSome compiles a where for a write to the rows it matches (updateBy, deleteBy): a where
// with no condition left once empty groups are dropped ({"and": []}), or only conditions true by
// construction, is refused, as an absent where is.
func (t *Table[T]) whereSome(where map[string]any, action string) (Clause, error) {
	w, err := t.Where(where, "query.where")
	if err != nil {
		return Clause{}, err
	}
	if w.None() {
		return Clause{}, errs.Field("query.where", "has no condition (empty and/or groups count as none): "+action+" of every row is refused", where)
	}
	return w, nil
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
		dir := "ASC"
		if len(fs) == 2 {
			dir = strings.ToUpper(fs[1])
			if dir != "ASC" && dir != "DESC" {
				return "", errs.Field(at, "direction must be ASC or DESC", o)
			}
		}
		if root, path, isPath := splitPath(fs[0]); isPath {
			// IGNIS orders on a path into a JSON field ("metadata.priority DESC").
			f, ok := t.m.fields[root]
			if !ok || f.Hidden || f.Kind != JSON && f.Kind != Array {
				return "", errs.Field(at, "a path needs a JSON field; "+root+" is not one", o)
			}
			if err := checkPath(path, at); err != nil {
				return "", err
			}
			parts = append(parts, pathOrder(t.db.Dialect, quoteIdent(f.Column), path)+" "+dir)
			continue
		}
		f, ok := t.m.fields[fs[0]]
		if !ok || f.Hidden || f.Kind == JSON || f.Kind == Array {
			return "", errs.Field(at, "unknown or unsortable field "+fs[0], o)
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
func (t *Table[T]) selectSQL(ctx context.Context, where Clause, del Deleted, order string, limit, skip int, lock bool) (string, []any, error) {
	cond, args, err := t.conds(ctx, del)
	if err != nil {
		return "", nil, err
	}
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
	return t.db.Rebind(b.String()), args, nil
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
	q, args, err := t.selectSQL(ctx, where, del, order, limit, f.Skip, false)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, false, q, args)
	return rows, where.explain(err)
}

// Count counts rows matching where.
func (t *Table[T]) Count(ctx context.Context, where map[string]any, del Deleted) (int64, error) {
	w, err := t.Where(where, "query.where")
	if err != nil {
		return 0, err
	}
	cond, args, err := t.conds(ctx, del)
	if err != nil {
		return 0, err
	}
	q := "SELECT count(*) FROM " + t.m.table + " WHERE " + cond
	if w.SQL != "1=1" {
		q += " AND (" + w.SQL + ")"
		args = append(args, w.Args...)
	}
	var n int64
	err = t.db.Raw(ctx, false).QueryRowContext(ctx, t.db.Rebind(q), args...).Scan(&n)
	return n, w.explain(db.Classify(err))
}

// Get returns the row with the id, or errs.ErrNotFound (also for another tenant's row).
func (t *Table[T]) Get(ctx context.Context, rowID id.ID, del Deleted) (*T, error) {
	return t.get(ctx, rowID, del, false)
}

func (t *Table[T]) get(ctx context.Context, rowID id.ID, del Deleted, lock bool) (*T, error) {
	q, args, err := t.selectSQL(ctx, Clause{SQL: `"id" = ?`, Args: []any{int64(rowID)}}, del, "", 1, 0, lock)
	if err != nil {
		return nil, err
	}
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
// caller's organizer; a merchant outside the caller's scope is refused. The Create hook runs in
// the same transaction, before the insert.
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
	insert := func(ctx context.Context) error {
		_, err := t.db.IDB(ctx).NewInsert().Model(row).Exec(ctx)
		return db.Classify(err)
	}
	if t.hooks.Create == nil {
		return insert(ctx)
	}
	return t.db.InTx(ctx, func(ctx context.Context) error {
		if err := t.hooks.Create(ctx, nil, row); err != nil {
			return err
		}
		if err := t.checkTenant(ctx, rv, false); err != nil {
			return err
		}
		return insert(ctx)
	})
}

func (t *Table[T]) checkTenant(ctx context.Context, rv reflect.Value, assign bool) error {
	if t.tenant.Organizer == "" {
		return nil
	}
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return err
	}
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
		if err := auth.ActFor(ctx, sc.OrganizerID, mid); errors.Is(err, auth.ErrNotYourMerchant) {
			return errs.Field("body."+t.tenant.Merchant, "is not a merchant you may act for", mv)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Update loads the row (locked), lets fn change it, and saves it, in one transaction. Fields that
// are read-only keep their stored values whatever fn does; then the Update hook sees the row
// before and after.
func (t *Table[T]) Update(ctx context.Context, rowID id.ID, fn func(ctx context.Context, row *T) error) (*T, error) {
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
func (t *Table[T]) UpdateHeld(ctx context.Context, held *T, fn func(ctx context.Context, row *T) error) (*T, error) {
	if !db.InTransaction(ctx) {
		return nil, errors.New("query: UpdateHeld outside the transaction that holds the row")
	}
	row := *held
	return t.change(ctx, &row, fn)
}

// change lets fn change row, restores its read-only fields, runs the Update hook and saves it.
func (t *Table[T]) change(ctx context.Context, row *T, fn func(ctx context.Context, row *T) error) (*T, error) {
	before := *row
	if err := fn(ctx, row); err != nil {
		return nil, err
	}
	rv, bv := reflect.ValueOf(row), reflect.ValueOf(&before)
	for name := range t.readOnly {
		if _, ok := t.m.index[name]; ok {
			t.m.get(rv, name).Set(t.m.get(bv, name))
		}
	}
	if t.hooks.Update != nil {
		if err := t.hooks.Update(ctx, &before, row); err != nil {
			return nil, err
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
// A named field is replaced as a whole (a list, a map or a nested object is not merged into the
// stored one), and it is decoded into new memory, so the stored row the caller kept to restore
// read-only fields is never written through a shared pointer. Unknown fields are an error naming
// them.
func (t *Table[T]) Merge(row *T, patch []byte) error {
	var named map[string]json.RawMessage
	if err := json.Unmarshal(patch, &named); err != nil {
		return errs.Field("body", "cannot apply: "+err.Error(), nil)
	}
	rv := reflect.ValueOf(row)
	for name := range named {
		if _, ok := t.m.index[name]; ok {
			v := t.m.get(rv, name)
			v.Set(reflect.Zero(v.Type()))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(row); err != nil {
		return errs.Field("body", "cannot apply: "+err.Error(), nil)
	}
	return nil
}

// UpdateWhere changes every row matching where with fn, in one transaction, and counts them. A
// where without a condition is refused (see whereSome).
func (t *Table[T]) UpdateWhere(ctx context.Context, where map[string]any, fn func(ctx context.Context, row *T) error) (int64, error) {
	rows, err := t.UpdateWhereRows(ctx, where, fn)
	return int64(len(rows)), err
}

// UpdateWhereRows changes every row matching where with fn, in one transaction, and returns the
// rows as saved (IGNIS's updateBy answers them). A where without a condition is refused.
func (t *Table[T]) UpdateWhereRows(ctx context.Context, where map[string]any, fn func(ctx context.Context, row *T) error) ([]T, error) {
	w, err := t.whereSome(where, "an update")
	if err != nil {
		return nil, err
	}
	var saved []T
	err = t.db.InTx(ctx, func(ctx context.Context) error {
		saved = nil // a retried transaction starts again
		rows, err := t.lockWhere(ctx, w, ExcludeDeleted)
		if err != nil {
			return err
		}
		for i := range rows {
			row, err := t.change(ctx, &rows[i], fn)
			if err != nil {
				return err
			}
			saved = append(saved, *row)
		}
		return nil
	})
	if err != nil {
		return nil, w.explain(err)
	}
	return saved, nil
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

// DeleteWhere deletes every row matching where and counts them. A where without a condition is
// refused (see whereSome).
func (t *Table[T]) DeleteWhere(ctx context.Context, where map[string]any, hard bool) (int64, error) {
	w, err := t.whereSome(where, "a delete")
	if err != nil {
		return 0, err
	}
	return t.DeleteWhereClause(ctx, w, hard)
}

// DeleteWhereClause deletes the rows matching a compiled clause. With a Delete hook the rows are
// loaded (locked) and deleted one by one in the same transaction, each after its hook, so that a
// hook sees the deletions made before it (a rule such as "not the last variant" holds for a batch).
func (t *Table[T]) DeleteWhereClause(ctx context.Context, w Clause, hard bool) (int64, error) {
	n, _, err := t.deleteRows(ctx, w, hard, false)
	return n, err
}

// DeleteWhereRows deletes every row matching where and returns them as deleted (a soft-deleted
// row with its deletedAt), for answers that show what went (IGNIS's deleteBy). A where without a
// condition is refused.
func (t *Table[T]) DeleteWhereRows(ctx context.Context, where map[string]any, hard bool) ([]T, error) {
	w, err := t.whereSome(where, "a delete")
	if err != nil {
		return nil, err
	}
	_, rows, err := t.deleteRows(ctx, w, hard, true)
	return rows, err
}

// DeleteRow deletes the row with the id and returns it as deleted, or errs.ErrNotFound.
func (t *Table[T]) DeleteRow(ctx context.Context, rowID id.ID, hard bool) (*T, error) {
	_, rows, err := t.deleteRows(ctx, Clause{SQL: `"id" = ?`, Args: []any{int64(rowID)}}, hard, true)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errs.Wrap(errs.NotFound, t.Name+" "+rowID.String()+" not found", errs.ErrNotFound)
	}
	return &rows[0], nil
}

// deleteRows deletes the rows matching w; with keep (or a Delete hook) they are loaded and locked
// first and returned as deleted.
func (t *Table[T]) deleteRows(ctx context.Context, w Clause, hard, keep bool) (int64, []T, error) {
	del := ExcludeDeleted
	if hard {
		del = IncludeDeleted
	}
	var n int64
	var gone []T
	err := t.db.InTx(ctx, func(ctx context.Context) error {
		n, gone = 0, nil // a retried transaction starts again
		if t.hooks.Delete == nil && !keep {
			var err error
			n, err = t.deleteMatching(ctx, w, del, hard, stamp())
			return err
		}
		rows, err := t.lockWhere(ctx, w, del)
		if err != nil || len(rows) == 0 {
			return err
		}
		now := stamp()
		ids := make([]any, len(rows))
		for i := range rows {
			ids[i] = dbValue(t.m.get(reflect.ValueOf(&rows[i]), "id"))
			if t.hooks.Delete == nil {
				continue
			}
			var after *T
			if !hard && t.soft {
				soft := rows[i]
				t.m.set(reflect.ValueOf(&soft), "deletedAt", &now)
				after = &soft
			}
			if err := t.hooks.Delete(ctx, &rows[i], after); err != nil {
				return err
			}
			// Deleted before the next hook runs, so that hook sees it gone.
			k, err := t.deleteMatching(ctx, Clause{SQL: `"id" = ?`, Args: []any{ids[i]}}, del, hard, now)
			if err != nil {
				return err
			}
			n += k
		}
		if t.hooks.Delete == nil {
			// The locked rows, by id: a row that began to match after the lock is not deleted
			// unseen.
			in := `"id" IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
			if n, err = t.deleteMatching(ctx, Clause{SQL: in, Args: ids}, del, hard, now); err != nil {
				return err
			}
		}
		if keep {
			if !hard && t.soft {
				for i := range rows {
					t.m.set(reflect.ValueOf(&rows[i]), "deletedAt", &now)
				}
			}
			gone = rows
		}
		return nil
	})
	return n, gone, w.explain(err)
}

// deleteMatching runs the delete statement (or the soft delete's update) for the rows matching w.
func (t *Table[T]) deleteMatching(ctx context.Context, w Clause, del Deleted, hard bool, now time.Time) (int64, error) {
	cond, args, err := t.conds(ctx, del)
	if err != nil {
		return 0, err
	}
	cond += " AND (" + w.SQL + ")"
	args = append(args, w.Args...)
	if hard || !t.soft {
		return t.exec(ctx, "DELETE FROM "+t.m.table+" WHERE "+cond, args)
	}
	return t.exec(ctx, `UPDATE `+t.m.table+` SET "deleted_at" = ? WHERE `+cond, append([]any{now}, args...))
}

// lockWhere loads the rows matching w for update, in id order.
func (t *Table[T]) lockWhere(ctx context.Context, w Clause, del Deleted) ([]T, error) {
	q, args, err := t.selectSQL(ctx, w, del, `"id" ASC`, 0, 0, true)
	if err != nil {
		return nil, err
	}
	return t.query(ctx, true, q, args)
}

// Restore undoes a soft delete; the Restore hook sees the deleted row and the restored one.
func (t *Table[T]) Restore(ctx context.Context, rowID id.ID) (*T, error) {
	if !t.soft {
		return nil, errs.New(errs.Conflict, t.Name+" rows are not soft-deleted")
	}
	var out *T
	err := t.db.InTx(ctx, func(ctx context.Context) error {
		before, err := t.get(ctx, rowID, OnlyDeleted, true)
		if errs.KindOf(err) == errs.NotFound {
			return errs.Wrap(errs.NotFound, t.Name+" "+rowID.String()+" not found among deleted rows", errs.ErrNotFound)
		}
		if err != nil {
			return err
		}
		after := *before
		t.m.set(reflect.ValueOf(&after), "deletedAt", nil)
		if t.hooks.Restore != nil {
			if err := t.hooks.Restore(ctx, before, &after); err != nil {
				return err
			}
		}
		cond, args, err := t.conds(ctx, OnlyDeleted)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE `+t.m.table+` SET "deleted_at" = NULL WHERE `+cond+` AND "id" = ?`, append(args, int64(rowID))); err != nil {
			return err
		}
		out, err = t.get(ctx, rowID, ExcludeDeleted, false)
		return err
	})
	return out, err
}

// stamp is the time written to createdAt, updatedAt and deletedAt: UTC at the microsecond,
// PostgreSQL's precision, so that the row an operation answers with is the row a later read finds.
func stamp() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
