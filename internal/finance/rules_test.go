package finance

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
)

func TestCheckAmount(t *testing.T) {
	for _, c := range []struct {
		amount int64
		ok     bool
	}{{1, true}, {MaxAmount, true}, {0, false}, {-1, false}, {MaxAmount + 1, false}, {math.MaxInt64, false}, {math.MinInt64, false}} {
		err := CheckAmount("body.amount", c.amount)
		if (err == nil) != c.ok {
			t.Errorf("%d: %v", c.amount, err)
		}
		var e *errs.E
		if err != nil && (!errors.As(err, &e) || e.Kind != errs.Invalid || e.Fields[0].Location != "body.amount") {
			t.Errorf("%d: %#v", c.amount, err)
		}
	}
}

// TestBalanceBounds: a balance inside the bounds of a delta takes the delta without leaving
// int64, and one just outside would leave it.
func TestBalanceBounds(t *testing.T) {
	for _, delta := range []int64{1, -1, MaxAmount, -MaxAmount, 12345, -12345} {
		t.Run("", func(t *testing.T) {
			lo, hi := BalanceBounds(delta)
			if delta > 0 && (lo != math.MinInt64 || hi+delta != math.MaxInt64) {
				t.Fatalf("delta %d: [%d, %d]", delta, lo, hi)
			}
			if delta < 0 && (hi != math.MaxInt64 || lo+delta != math.MinInt64) {
				t.Fatalf("delta %d: [%d, %d]", delta, lo, hi)
			}
		})
	}
}

func TestSigned(t *testing.T) {
	if Signed(Income, 5) != 5 || Signed(Expense, 5) != -5 || Signed(Transfer, 5) != 5 {
		t.Fatal("signs")
	}
}

func TestCheckMethods(t *testing.T) {
	cases := []struct {
		name    string
		typ     string
		in      []string
		want    []string
		wantLoc string
	}{
		{"cash to the till", WalletCash, []string{"cash", "PURCHASE"}, []string{"CASH", "PURCHASE"}, ""},
		{"none", WalletBank, nil, []string{}, ""},
		{"qr and transfers to the bank", WalletBank, []string{" QR ", "TRANSFER_EXTERNAL"}, []string{"QR", "TRANSFER_EXTERNAL"}, ""},
		{"a provider's own method", WalletEWallet, []string{"VNPAY_QR"}, []string{"VNPAY_QR"}, ""},
		{"cash to a bank", WalletBank, []string{"QR", "CASH"}, nil, "body.methods[1]"},
		{"qr to the till", WalletCash, []string{"QR"}, nil, "body.methods[0]"},
		{"twice", WalletBank, []string{"QR", "qr"}, nil, "body.methods[1]"},
		{"not a name", WalletBank, []string{"1QR"}, nil, "body.methods[0]"},
		{"empty", WalletBank, []string{""}, nil, "body.methods[0]"},
		{"too long", WalletBank, []string{"A1234567890123456789012345678901234567890"}, nil, "body.methods[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckMethods(c.typ, c.in)
			if c.wantLoc != "" {
				var e *errs.E
				if !errors.As(err, &e) || e.Fields[0].Location != c.wantLoc {
					t.Fatalf("got %v, %v; want an error at %s", got, err, c.wantLoc)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestDefaultRoutes(t *testing.T) {
	for method, want := range map[string]string{"CASH": WalletCash, "PURCHASE": WalletCash, "QR": WalletBank, "TRANSFER_EXTERNAL": WalletBank,
		"CARD_EXTERNAL": WalletBank} {
		if got := DefaultType(method); got != want {
			t.Errorf("%s: %s, want %s", method, got, want)
		}
	}
	for _, typ := range WalletTypes {
		if DefaultName(typ) == "" {
			t.Errorf("no name for %s", typ)
		}
	}
	if !MayOverdraw(WalletCreditCard) || MayOverdraw(WalletCash) || MayOverdraw(WalletBank) || MayOverdraw(WalletEWallet) {
		t.Fatal("overdraw")
	}
}

func TestSumArg(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  error
	}{{"0", 0, nil}, {"-42", -42, nil}, {"9223372036854775807", math.MaxInt64, nil}, {"9223372036854775808", 0, ErrSumOutOfRange},
		{"-9223372036854775809", 0, ErrSumOutOfRange}} {
		got, err := sumArg(c.in, "x")
		if got != c.want || !errors.Is(err, c.err) && !(err == nil && c.err == nil) {
			t.Errorf("%s: %d %v", c.in, got, err)
		}
	}
	if _, err := sumArg("1.5", "x"); err == nil {
		t.Error("1.5 read as an integer")
	}
}
