package pricing

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// This file is the only one that writes SQL by hand: the merchant's pricing rows for a snapshot,
// the version that tells a cached snapshot is stale, the usage counts and redemptions.

// versionSQL reads a merchant's pricing version.
const versionSQL = `SELECT version FROM pricing_versions WHERE merchant_id = ?`

// version returns the merchant's pricing version: 0 until its first pricing row is written, then
// bumped by the triggers of the migration on every change. It joins the caller's transaction;
// outside one it runs on the read pool through the platform's prepared statements (db.DB.Raw),
// so SQLite does not parse it again on every quote.
func (m *Module) version(ctx context.Context, merchantID id.ID) (int64, error) {
	var v int64
	err := m.db.Raw(ctx, false).QueryRowContext(ctx, m.db.Rebind(versionSQL), int64(merchantID)).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, db.Classify(err)
	}
	return v, nil
}

// load reads the merchant's pricing rows in one consistent read (the caller's transaction, or a
// read-only one of its own) and builds its snapshot. Rows must carry the merchant's organizer
// too, so a row written for a merchant of another organizer could never price it.
func (m *Module) load(ctx context.Context, merchantID id.ID, cm CatalogMerchant) (*snapshot, error) {
	m.cache.builds.Add(1)
	var idb bun.IDB
	if db.InTransaction(ctx) {
		idb = m.db.IDB(ctx)
	} else {
		var opts *sql.TxOptions
		if m.db.Dialect == db.Postgres {
			opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
		}
		tx, err := m.db.R.BeginTx(ctx, opts)
		if err != nil {
			return nil, db.Classify(err)
		}
		defer func() { _ = tx.Rollback() }()
		idb = tx
	}
	s := &snapshot{merchant: cm}
	if err := idb.QueryRowContext(ctx, versionSQL, int64(merchantID)).Scan(&s.version); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, db.Classify(err)
	}
	mine := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("merchant_id = ?", int64(merchantID)).Where("organizer_id = ?", int64(cm.OrganizerID)).Where("deleted_at IS NULL")
	}
	var (
		sets     []FareSet
		fares    []FareRow
		rules    []FareRule
		taxes    []TaxRow
		taxSets  []TaxSet
		promos   []PromotionRow
		selected = []struct {
			into   any
			active bool
		}{{&sets, true}, {&fares, false}, {&rules, true}, {&taxes, false}, {&taxSets, true}, {&promos, false}}
	)
	for _, sel := range selected {
		q := mine(idb.NewSelect().Model(sel.into))
		if sel.active {
			q = q.Where("status = ?", string(Active))
		}
		if err := q.OrderExpr("id ASC").Scan(ctx); err != nil {
			return nil, db.Classify(err)
		}
	}
	if err := s.build(merchantID, sets, fares, rules, taxes, taxSets, promos); err != nil {
		m.log.ErrorContext(ctx, "stored pricing does not compile", "merchant", merchantID, "error", err)
		return nil, err
	}
	return s, nil
}

// build compiles the rows into the snapshot: the engine, the fare sets in the order they are
// tried, the tax sets in the order they are tried, and the promotions whose usage must be counted.
func (s *snapshot) build(merchantID id.ID, sets []FareSet, fares []FareRow, rules []FareRule, taxes []TaxRow, taxSets []TaxSet, promos []PromotionRow) error {
	cm := s.merchant
	s.currency = cm.Currency
	if s.currency == "" {
		s.currency = "VND"
	}
	def, ok := catalogTax(cm.VATRate)
	if !ok {
		return errs.Newf(errs.Internal, "pricing: merchant %s has no valid VAT rate (%q) in the catalog", merchantID, cm.VATRate)
	}
	s.defaultTax = def
	zone := DefaultZone()
	if cm.TimeZone != "" {
		if z, err := time.LoadLocation(cm.TimeZone); err == nil {
			zone = z
		}
	}

	slices.SortFunc(sets, func(a, b FareSet) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	index := make(map[id.ID]int, len(sets))
	s.sets = make([]fareSetFares, len(sets))
	for i, fs := range sets {
		index[fs.ID] = i
		s.sets[i] = fareSetFares{id: fs.ID, channels: fs.Channels, fares: map[id.ID][]Fare{}}
	}
	for i := range fares {
		if k, ok := index[fares[i].FareSetID]; ok {
			f := fares[i].fare()
			s.sets[k].fares[f.VariantID] = append(s.sets[k].fares[f.VariantID], f)
		}
	}

	byID := make(map[id.ID]Tax, len(taxes))
	for i := range taxes {
		byID[taxes[i].ID] = taxes[i].tax()
	}
	slices.SortFunc(taxSets, func(a, b TaxSet) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, ts := range taxSets {
		tax, ok := byID[ts.TaxID]
		if !ok {
			continue // its tax was deleted: the set covers nothing
		}
		c := taxCover{tax: tax, all: len(ts.VariantIDs) == 0 && len(ts.Categories) == 0,
			variants: make(map[id.ID]bool, len(ts.VariantIDs)), categories: make(map[string]bool, len(ts.Categories))}
		for _, v := range ts.VariantIDs {
			c.variants[v] = true
		}
		for _, cat := range ts.Categories {
			c.categories[cat] = true
		}
		s.taxSets = append(s.taxSets, c)
	}

	cfg := Config{MerchantID: merchantID, Zone: zone, Currency: s.currency, PricesIncludeTax: cm.PricesIncludeTax,
		DefaultTax: def, Rules: make([]Rule, len(rules)), Promotions: make([]Promotion, len(promos))}
	for i := range rules {
		cfg.Rules[i] = rules[i].rule()
	}
	s.codeLimited = map[string]id.ID{}
	for i := range promos {
		p := promos[i].promotion()
		cfg.Promotions[i] = p
		if p.TotalLimit > 0 || p.PerCustomerLimit > 0 {
			if p.Code == "" {
				s.autoLimited = append(s.autoLimited, p.ID)
			} else {
				s.codeLimited[p.Code] = p.ID
			}
		}
	}
	e, err := NewEngine(cfg)
	if err != nil {
		return errs.Wrap(errs.Internal, "pricing: the stored rules of merchant "+merchantID.String()+" do not compile", err)
	}
	s.engine = e
	return nil
}

// countUsage counts the redemptions of each promotion, in all and by the customer. Like version,
// it is on the quote's path: in the caller's transaction, else through the platform's prepared
// statements (one per length of the IN list).
func (m *Module) countUsage(ctx context.Context, ids []id.ID, customer id.ID) (map[id.ID]Usage, error) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, int64(customer))
	for _, p := range ids {
		args = append(args, int64(p))
	}
	q := `SELECT promotion_id, COUNT(*), COALESCE(SUM(CASE WHEN customer_id = ? THEN 1 ELSE 0 END), 0)
		FROM pricing_promotion_usages WHERE promotion_id IN (` + placeholders(len(ids)) + `) GROUP BY promotion_id`
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	out := make(map[id.ID]Usage, len(ids))
	for rows.Next() {
		var p int64
		var u Usage
		if err := rows.Scan(&p, &u.Total, &u.Customer); err != nil {
			return nil, db.Classify(err)
		}
		out[id.ID(p)] = u
	}
	return out, db.Classify(rows.Err())
}

// promotionOwners returns the organizer of each of the merchant's promotions among ids, deleted
// ones included.
func (m *Module) promotionOwners(ctx context.Context, merchantID id.ID, ids []id.ID) (map[id.ID]id.ID, error) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, int64(merchantID))
	for _, p := range ids {
		args = append(args, int64(p))
	}
	rows, err := m.db.Raw(ctx, true).QueryContext(ctx, m.db.Rebind(`SELECT id, organizer_id FROM pricing_promotions
		WHERE merchant_id = ? AND id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	out := make(map[id.ID]id.ID, len(ids))
	for rows.Next() {
		var p, org int64
		if err := rows.Scan(&p, &org); err != nil {
			return nil, db.Classify(err)
		}
		out[id.ID(p)] = id.ID(org)
	}
	return out, db.Classify(rows.Err())
}

// insertUsage records one redemption unless the order already redeemed the promotion.
func (m *Module) insertUsage(ctx context.Context, u PromotionUsage) error {
	var customer any
	if u.CustomerID != nil {
		customer = int64(*u.CustomerID)
	}
	_, err := m.db.Raw(ctx, true).ExecContext(ctx, m.db.Rebind(`INSERT INTO pricing_promotion_usages
		(id, organizer_id, merchant_id, promotion_id, customer_id, order_id, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (promotion_id, order_id) DO NOTHING`),
		int64(u.ID), int64(u.OrganizerID), int64(u.MerchantID), int64(u.PromotionID), customer, int64(u.OrderID), u.UsedAt)
	if err != nil {
		return fmt.Errorf("pricing: record redemption of promotion %s: %w", u.PromotionID, db.Classify(err))
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
