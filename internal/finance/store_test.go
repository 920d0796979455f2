package finance

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
)

func newStore(t *testing.T, d *db.DB) *store {
	t.Helper()
	ids, err := id.NewGenerator(7, id.DefaultEpoch)
	if err != nil {
		t.Fatal(err)
	}
	return &store{db: d, ids: ids, clock: clock.Real{}}
}

func balanceOf(t *testing.T, s *store, w id.ID) int64 {
	t.Helper()
	var b int64
	if err := s.db.Raw(context.Background(), false).QueryRowContext(context.Background(), s.db.Rebind("SELECT balance FROM finance_wallets WHERE id = ?"), int64(w)).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func postings(t *testing.T, s *store) int {
	t.Helper()
	var n int
	if err := s.db.Raw(context.Background(), false).QueryRowContext(context.Background(), "SELECT count(*) FROM finance_transactions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostIsAtomic: the legs of a posting are written with their balances, all or none: a leg
// that cannot be applied (a wallet that is not there or is another merchant's, an overdraft, a
// balance past int64) leaves no leg and no balance changed. The same source key posts once.
func TestPostIsAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newStore(t, d)
		const org, merchant, stranger = id.ID(10), id.ID(11), id.ID(12)
		cash, _, err := s.defaultWallet(ctx, org, merchant, WalletCash)
		if err != nil {
			t.Fatal(err)
		}
		bank, created, err := s.defaultWallet(ctx, org, merchant, WalletBank)
		if err != nil || !created {
			t.Fatalf("bank: %v %v", created, err)
		}
		if again, created, err := s.defaultWallet(ctx, org, merchant, WalletBank); err != nil || created || again.ID != bank.ID {
			t.Fatalf("a second default bank: %v %v %v", again, created, err)
		}
		theirs, _, err := s.defaultWallet(ctx, org, stranger, WalletCash)
		if err != nil {
			t.Fatal(err)
		}
		posting := func(w id.ID, amount int64, key string) *FinanceTransaction {
			return &FinanceTransaction{OrganizerID: org, MerchantID: merchant, WalletID: w, Type: Transfer, Amount: amount, Currency: Currency,
				Source: SourceTransfer, SourceKey: key, OccurredAt: time.Now()}
		}
		if ok, err := s.post(ctx, leg{tx: posting(cash.ID, 1000, "MANUAL:1")}); err != nil || !ok {
			t.Fatalf("income: %v %v", ok, err)
		}
		if ok, err := s.post(ctx, leg{tx: posting(cash.ID, 1000, "MANUAL:1")}); err != nil || ok {
			t.Fatalf("the same key again: %v %v", ok, err)
		}
		cases := []struct {
			name string
			in   *FinanceTransaction
			want error
		}{
			{"a wallet that is not there", posting(999, 500, "TRANSFER:1:IN"), nil},
			{"another merchant's wallet", posting(theirs.ID, 500, "TRANSFER:2:IN"), nil},
			{"past the range of a balance", posting(bank.ID, MaxAmount, "TRANSFER:3:IN"), ErrBalanceOutOfRange},
		}
		// The bank holds nearly the most a balance can hold (set by hand, as no test can post
		// 9 million postings of the largest amount).
		if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("UPDATE finance_wallets SET balance = ? WHERE id = ?"), int64(math.MaxInt64-10), int64(bank.ID)); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				out := posting(cash.ID, -500, c.in.SourceKey[:len(c.in.SourceKey)-2]+"OUT")
				ok, err := s.post(ctx, leg{tx: out}, leg{tx: c.in})
				if err == nil || ok || (c.want != nil && !errors.Is(err, c.want)) {
					t.Fatalf("posted: %v, %v", ok, err)
				}
				if postings(t, s) != 1 || balanceOf(t, s, cash.ID) != 1000 || balanceOf(t, s, bank.ID) != math.MaxInt64-10 {
					t.Fatalf("a failed leg left %d postings, cash %d, bank %d", postings(t, s), balanceOf(t, s, cash.ID), balanceOf(t, s, bank.ID))
				}
			})
		}
		// An overdraft of a wallet that may not go below zero: refused whole.
		_, err = s.post(ctx, leg{tx: posting(cash.ID, -1001, "TRANSFER:4:OUT"), walletTyp: WalletCash}, leg{tx: posting(bank.ID, 1, "TRANSFER:4:IN")})
		if !errors.Is(err, ErrInsufficientFunds) || postings(t, s) != 1 || balanceOf(t, s, cash.ID) != 1000 {
			t.Fatalf("overdraft: %v, %d postings, cash %d", err, postings(t, s), balanceOf(t, s, cash.ID))
		}
		// One that may: written.
		if ok, err := s.post(ctx, leg{tx: posting(cash.ID, -1001, "REFUND:5"), overdraw: true}); err != nil || !ok || balanceOf(t, s, cash.ID) != -1 {
			t.Fatalf("overdraw: %v %v, cash %d", ok, err, balanceOf(t, s, cash.ID))
		}
	}, (&Module{}).Migrations())
}

// TestPostingsAreAppendOnlyInSQL: the database itself refuses to change or delete a posting.
func TestPostingsAreAppendOnlyInSQL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newStore(t, d)
		w, _, err := s.defaultWallet(ctx, 1, 2, WalletCash)
		if err != nil {
			t.Fatal(err)
		}
		p := &FinanceTransaction{OrganizerID: 1, MerchantID: 2, WalletID: w.ID, Type: Income, Amount: 5000, Currency: Currency,
			Source: SourceManual, SourceKey: "MANUAL:9", OccurredAt: time.Now()}
		if _, err := s.post(ctx, leg{tx: p}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"UPDATE finance_transactions SET amount = 1", "DELETE FROM finance_transactions"} {
			if _, err := d.Raw(ctx, true).ExecContext(ctx, q); err == nil {
				t.Fatalf("%s: accepted", q)
			}
		}
		var amount int64
		if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT amount FROM finance_transactions").Scan(&amount); err != nil || amount != 5000 {
			t.Fatalf("posting after the attempts: %d %v", amount, err)
		}
	}, (&Module{}).Migrations())
}
