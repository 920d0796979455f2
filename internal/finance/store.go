package finance

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// store is the only code that spells finance's SQL. A wallet's balance changes in exactly one
// place, post, in the transaction that inserts the posting, by one conditional UPDATE: on
// PostgreSQL a concurrent UPDATE of the same wallet waits for the first to commit and evaluates
// its condition again on the new balance; on SQLite the single writer serializes them.
type store struct {
	db    *db.DB
	ids   *id.Generator
	clock clock.Clock
}

func (s *store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// leg is one posting to write, and whether it may take its wallet below zero.
type leg struct {
	tx        *FinanceTransaction
	overdraw  bool
	walletTyp string // the wallet's type, for the error of an overdraft
}

// post writes the postings and adds each to its wallet's balance, all in ctx's transaction
// (the caller's, or one of its own). A posting whose source key the merchant already has is not
// written again: inserted is false, nothing changes, and the caller reads the stored one. Either
// every leg is new or none is (their keys come from one id). The wallets are updated in id
// order, so two transfers between the same wallets in opposite directions never deadlock.
func (s *store) post(ctx context.Context, legs ...leg) (inserted bool, err error) {
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		inserted = false // a retried transaction starts again
		now := s.now()
		n := 0
		for _, l := range legs {
			t := l.tx
			if t.ID == 0 {
				t.ID = s.ids.Next()
			}
			t.CreatedAt = now
			if t.OccurredAt.IsZero() { // an event that does not say when: when it is recorded
				t.OccurredAt = now
			}
			t.OccurredAt = t.OccurredAt.UTC().Truncate(time.Microsecond)
			res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`INSERT INTO finance_transactions
(id, organizer_id, merchant_id, wallet_id, category_id, type, amount, currency, source, source_key, reference_id, reverses_id,
 transfer_id, counter_wallet_id, description, occurred_at, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
				int64(t.ID), int64(t.OrganizerID), int64(t.MerchantID), int64(t.WalletID), idArg(t.CategoryID), t.Type, t.Amount, t.Currency,
				t.Source, t.SourceKey, idArg(t.ReferenceID), idArg(t.ReversesID), idArg(t.TransferID), idArg(t.CounterWalletID),
				t.Description, t.OccurredAt, int64(t.CreatedBy), t.CreatedAt)
			if err != nil {
				return db.Classify(err)
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		if n != len(legs) {
			return fmt.Errorf("finance: %d of %d legs of %s were posted before", len(legs)-n, len(legs), legs[0].tx.SourceKey)
		}
		order := slices.Clone(legs)
		slices.SortFunc(order, func(a, b leg) int { return cmp.Compare(a.tx.WalletID, b.tx.WalletID) })
		for _, l := range order {
			if err := s.apply(ctx, l, now); err != nil {
				return err
			}
		}
		inserted = true
		return nil
	})
	return inserted, err
}

// apply adds a posting to its live wallet of its merchant when the balance stays in range (and
// not below zero unless the leg may overdraw), or says why not.
func (s *store) apply(ctx context.Context, l leg, now time.Time) error {
	t := l.tx
	lo, hi := BalanceBounds(t.Amount)
	if !l.overdraw && t.Amount < 0 {
		lo = max(lo, -t.Amount)
	}
	res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE finance_wallets SET balance = balance + ?, updated_at = ?
WHERE id = ? AND merchant_id = ? AND deleted_at IS NULL AND balance >= ? AND balance <= ?`),
		t.Amount, now, int64(t.WalletID), int64(t.MerchantID), lo, hi)
	if err != nil {
		return db.Classify(err)
	}
	if k, _ := res.RowsAffected(); k == 1 {
		return nil
	}
	var balance int64
	var deleted bool
	err = s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(
		"SELECT balance, deleted_at IS NOT NULL FROM finance_wallets WHERE id = ? AND merchant_id = ?"), int64(t.WalletID), int64(t.MerchantID)).
		Scan(&balance, &deleted)
	switch {
	case errors.Is(err, sql.ErrNoRows) || deleted:
		return errs.RuleField("body.walletId", "wallet "+t.WalletID.String()+" not found", t.WalletID.String())
	case err != nil:
		return db.Classify(err)
	case t.Amount < 0 && balance < -t.Amount && !l.overdraw:
		return refuse(ErrInsufficientFunds, "body.amount",
			fmt.Sprintf("wallet %s holds %d đồng, the posting takes %d (a %s wallet does not go below zero)", t.WalletID, balance, -t.Amount, l.walletTyp), -t.Amount)
	}
	return refuse(ErrBalanceOutOfRange, "body.amount", fmt.Sprintf("wallet %s holds %d đồng: adding %d leaves the range of a balance", t.WalletID, balance, t.Amount), t.Amount)
}

func idArg(v *id.ID) any {
	if v == nil {
		return nil
	}
	return int64(*v)
}

// posting reads a posting of the merchant by its source key (nil when there is none).
func (s *store) posting(ctx context.Context, merchantID id.ID, sourceKey string) (*FinanceTransaction, error) {
	var t FinanceTransaction
	err := s.db.IDB(ctx).NewSelect().Model(&t).Where("merchant_id = ? AND source_key = ?", int64(merchantID), sourceKey).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &t, db.Classify(err)
}

// transferLegs reads both legs of a transfer, the outgoing first.
func (s *store) transferLegs(ctx context.Context, transferID id.ID) ([]FinanceTransaction, error) {
	var out []FinanceTransaction
	err := s.db.IDB(ctx).NewSelect().Model(&out).Where("transfer_id = ?", int64(transferID)).Order("amount ASC").Scan(ctx)
	return out, db.Classify(err)
}

// reversed returns what the postings that reverse the posting add up to (0 when none does).
func (s *store) reversed(ctx context.Context, postingID id.ID) (int64, error) {
	var sum int64
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind("SELECT COALESCE(SUM(amount), 0) FROM finance_transactions WHERE reverses_id = ?"),
		int64(postingID)).Scan(&sum)
	return sum, db.Classify(err)
}

// walletRef is what a posting needs of its wallet.
type walletRef struct {
	ID       id.ID
	Type     string
	Currency string
}

// routed returns the live wallet the merchant routes method to, if any.
func (s *store) routed(ctx context.Context, merchantID id.ID, method string) (walletRef, bool, error) {
	var w walletRef
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(`SELECT w.id, w.type, w.currency FROM finance_wallet_routes r
JOIN finance_wallets w ON w.id = r.wallet_id WHERE r.merchant_id = ? AND r.method = ? AND w.deleted_at IS NULL`), int64(merchantID), method).
		Scan(&w.ID, &w.Type, &w.Currency)
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	return w, err == nil, db.Classify(err)
}

// defaultWallet returns the merchant's live default wallet of type t, making it when there is
// none. Concurrent makers of one default make one: the unique index on (merchant, type) of the
// defaults lets the second insert do nothing, and it reads the first.
func (s *store) defaultWallet(ctx context.Context, organizerID, merchantID id.ID, t string) (w walletRef, created bool, err error) {
	find := func() (bool, error) {
		err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(`SELECT id, type, currency FROM finance_wallets
WHERE merchant_id = ? AND type = ? AND is_default AND deleted_at IS NULL`), int64(merchantID), t).Scan(&w.ID, &w.Type, &w.Currency)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, db.Classify(err)
	}
	if ok, err := find(); ok || err != nil {
		return w, false, err
	}
	now := s.now()
	res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`INSERT INTO finance_wallets
(id, organizer_id, merchant_id, name, type, currency, balance, methods, is_default, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 0, '[]', TRUE, ?, ?) ON CONFLICT DO NOTHING`),
		int64(s.ids.Next()), int64(organizerID), int64(merchantID), DefaultName(t), t, Currency, now, now)
	if err != nil {
		return w, false, db.Classify(err)
	}
	n, _ := res.RowsAffected()
	ok, err := find()
	if err == nil && !ok {
		err = fmt.Errorf("finance: the default %s wallet of merchant %s is neither there nor made", t, merchantID)
	}
	return w, n == 1, err
}

// category returns the id of the merchant's live category code, making it (as the system
// category sc) when there is none.
func (s *store) category(ctx context.Context, organizerID, merchantID id.ID, sc systemCategory) (id.ID, error) {
	var cid int64
	find := func() (bool, error) {
		err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(
			"SELECT id FROM finance_categories WHERE merchant_id = ? AND code = ? AND deleted_at IS NULL"), int64(merchantID), sc.code).Scan(&cid)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, db.Classify(err)
	}
	if ok, err := find(); ok || err != nil {
		return id.ID(cid), err
	}
	now := s.now()
	if _, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`INSERT INTO finance_categories
(id, organizer_id, merchant_id, code, name, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		int64(s.ids.Next()), int64(organizerID), int64(merchantID), sc.code, sc.name, sc.typ, now, now); err != nil {
		return 0, db.Classify(err)
	}
	ok, err := find()
	if err == nil && !ok {
		err = fmt.Errorf("finance: category %s of merchant %s is neither there nor made", sc.code, merchantID)
	}
	return id.ID(cid), err
}

// setRoutes makes the wallet receive exactly methods (none: the wallet is deleted). A method
// another wallet of the merchant receives is ErrMethodTaken, naming it.
func (s *store) setRoutes(ctx context.Context, merchantID, walletID id.ID, methods []string) error {
	for i, m := range methods {
		var other int64
		err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind(
			"SELECT wallet_id FROM finance_wallet_routes WHERE merchant_id = ? AND method = ? AND wallet_id <> ?"),
			int64(merchantID), m, int64(walletID)).Scan(&other)
		if err == nil {
			return refuse(ErrMethodTaken, fmt.Sprintf("body.methods[%d]", i),
				fmt.Sprintf("%s already goes to wallet %d: take it off that wallet first", m, other), m)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return db.Classify(err)
		}
	}
	if _, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind("DELETE FROM finance_wallet_routes WHERE wallet_id = ?"), int64(walletID)); err != nil {
		return db.Classify(err)
	}
	for _, m := range methods {
		if _, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(
			"INSERT INTO finance_wallet_routes (merchant_id, method, wallet_id) VALUES (?, ?, ?)"), int64(merchantID), m, int64(walletID)); err != nil {
			if errs.KindOf(db.Classify(err)) == errs.Conflict {
				return refuse(ErrMethodTaken, "body.methods", m+" already goes to another wallet", m)
			}
			return db.Classify(err)
		}
	}
	return nil
}

// hasPostings reports whether any posting is of the wallet.
func (s *store) hasPostings(ctx context.Context, walletID id.ID) (bool, error) {
	var n int
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind("SELECT count(*) FROM (SELECT 1 FROM finance_transactions WHERE wallet_id = ? LIMIT 1) x"),
		int64(walletID)).Scan(&n)
	return n > 0, db.Classify(err)
}

// sumArg reads a SUM cast to text as int64: PostgreSQL adds bigints as numeric, which does not
// overflow, and a total past int64 is ErrSumOutOfRange rather than a wrong number. (SQLite's SUM
// reports an integer overflow itself, as an error.)
func sumArg(s string, what string) (int64, error) {
	var b big.Int
	if _, ok := b.SetString(strings.TrimSpace(s), 10); !ok {
		return 0, fmt.Errorf("finance: %s: not an integer: %q", what, s)
	}
	if !b.IsInt64() {
		return 0, refuse(ErrSumOutOfRange, "", what+" is "+b.String()+" đồng, past what 64 bits hold", nil)
	}
	return b.Int64(), nil
}

// walletTotals is one wallet's stored balance next to its postings, over all time and over a
// period [from, to).
type walletTotals struct {
	ID             id.ID
	Name, Type     string
	Deleted        bool
	Balance        int64
	Postings       int64 // the sum of every posting
	Count          int64
	Foreign        int64 // postings of another merchant (must be none)
	Opening        int64 // postings before from
	Income         int64 // INCOME postings in the period (refunds net)
	Expense        int64 // EXPENSE postings in the period (negative)
	TransfersIn    int64
	TransfersOut   int64 // negative
	Closing        int64 // postings before to
	PeriodPostings int64
}

// totals reads, in one statement (one snapshot, so it may run while money moves), every wallet
// of the merchant (0: every merchant) with its postings.
func (s *store) totals(ctx context.Context, merchantID id.ID, from, to time.Time) ([]walletTotals, error) {
	sum := func(cond string) string {
		if cond == "" {
			return "CAST(COALESCE(SUM(t.amount), 0) AS TEXT)"
		}
		return "CAST(COALESCE(SUM(CASE WHEN " + cond + " THEN t.amount ELSE 0 END), 0) AS TEXT)"
	}
	period := "t.occurred_at >= ? AND t.occurred_at < ?"
	q := `SELECT w.id, w.name, w.type, w.deleted_at IS NOT NULL, w.balance, ` + sum("") + `, COUNT(t.id),
COALESCE(SUM(CASE WHEN t.merchant_id <> w.merchant_id THEN 1 ELSE 0 END), 0),
` + sum("t.occurred_at < ?") + `, ` + sum(period+" AND t.type = 'INCOME'") + `, ` + sum(period+" AND t.type = 'EXPENSE'") + `,
` + sum(period+" AND t.type = 'TRANSFER' AND t.amount > 0") + `, ` + sum(period+" AND t.type = 'TRANSFER' AND t.amount < 0") + `,
` + sum("t.occurred_at < ?") + `, ` + sum(period) + `
FROM finance_wallets w LEFT JOIN finance_transactions t ON t.wallet_id = w.id`
	args := []any{from, from, to, from, to, from, to, from, to, to, from, to}
	if merchantID != 0 {
		q += " WHERE w.merchant_id = ?"
		args = append(args, int64(merchantID))
	}
	q += " GROUP BY w.id, w.name, w.type, w.deleted_at, w.balance ORDER BY w.id"
	rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var out []walletTotals
	for rows.Next() {
		var w walletTotals
		var sums [8]string
		if err := rows.Scan(&w.ID, &w.Name, &w.Type, &w.Deleted, &w.Balance, &sums[0], &w.Count, &w.Foreign,
			&sums[1], &sums[2], &sums[3], &sums[4], &sums[5], &sums[6], &sums[7]); err != nil {
			return nil, db.Classify(err)
		}
		for i, dst := range []*int64{&w.Postings, &w.Opening, &w.Income, &w.Expense, &w.TransfersIn, &w.TransfersOut, &w.Closing, &w.PeriodPostings} {
			if *dst, err = sumArg(sums[i], "a total of wallet "+w.ID.String()); err != nil {
				return nil, err
			}
		}
		out = append(out, w)
	}
	return out, db.Classify(rows.Err())
}

// keyed is a posting found by its source key, with its wallet's type.
type keyed struct {
	Amount     int64
	WalletType string
}

// byKeys reads the merchant's postings with the given source keys.
func (s *store) byKeys(ctx context.Context, merchantID id.ID, keys []string) (map[string]keyed, error) {
	out := map[string]keyed{}
	for chunk := range slices.Chunk(keys, 500) {
		args := []any{int64(merchantID)}
		for _, k := range chunk {
			args = append(args, k)
		}
		q := `SELECT t.source_key, t.amount, w.type FROM finance_transactions t JOIN finance_wallets w ON w.id = t.wallet_id
WHERE t.merchant_id = ? AND t.source_key IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(q), args...)
		if err != nil {
			return nil, db.Classify(err)
		}
		for rows.Next() {
			var k string
			var v keyed
			if err := rows.Scan(&k, &v.Amount, &v.WalletType); err != nil {
				rows.Close()
				return nil, db.Classify(err)
			}
			out[k] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, db.Classify(err)
		}
	}
	return out, nil
}
