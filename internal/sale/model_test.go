package sale

import (
	"errors"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
)

func TestTransitions(t *testing.T) {
	all := Statuses
	allowed := map[[2]Status]bool{
		{Draft, Processing}: true, {Draft, Cancelled}: true,
		{Processing, Paid}: true, {Processing, Cancelled}: true, {Processing, Expired}: true, {Processing, Draft}: true,
		{Paid, Completed}: true, {Paid, PartiallyRefunded}: true, {Paid, Refunded}: true,
		{Completed, PartiallyRefunded}: true, {Completed, Refunded}: true,
		{PartiallyRefunded, PartiallyRefunded}: true, {PartiallyRefunded, Refunded}: true,
	}
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]Status{from, to}]
			err := Move(from, to)
			if want != (err == nil) {
				t.Errorf("%s -> %s: allowed=%v, err=%v", from, to, want, err)
			}
			if err != nil && errs.KindOf(err) != errs.Conflict {
				t.Errorf("%s -> %s: refusal is not a 409: %v", from, to, err)
			}
			if err != nil && !errors.Is(err, ErrOrderState) {
				t.Errorf("%s -> %s: refusal is not ErrOrderState: %v", from, to, err)
			}
		}
	}
	for _, s := range []Status{Cancelled, Expired, Refunded} {
		if len(transitions[s]) != 0 {
			t.Errorf("%s is final but has exits", s)
		}
	}
}

func TestMerge(t *testing.T) {
	cafe := Line{VariantID: 1, ModifierKey: "10,20", UnitPrice: 35000, Quantity: 1}
	cases := []struct {
		name     string
		existing []Line
		incoming []Line
		wantQty  []int64
		wantAt   []int
		errLoc   string
	}{
		{"same line merges", []Line{cafe}, []Line{cafe}, []int64{2}, []int{0}, ""},
		{"modifier order does not matter", []Line{cafe}, []Line{{VariantID: 1, ModifierKey: ModifierKey([]Modifier{{OptionID: 20}, {OptionID: 10}}), UnitPrice: 35000, Quantity: 3}}, []int64{4}, []int{0}, ""},
		{"other modifiers stay apart", []Line{cafe}, []Line{{VariantID: 1, ModifierKey: "10", UnitPrice: 35000, Quantity: 1}}, []int64{1, 1}, []int{1}, ""},
		{"other price stays apart", []Line{cafe}, []Line{{VariantID: 1, ModifierKey: "10,20", UnitPrice: 30000, Quantity: 1}}, []int64{1, 1}, []int{1}, ""},
		{"other note stays apart", []Line{cafe}, []Line{{VariantID: 1, ModifierKey: "10,20", UnitPrice: 35000, Note: "ít đá", Quantity: 1}}, []int64{1, 1}, []int{1}, ""},
		{"sent to kitchen stays apart", []Line{{VariantID: 1, ModifierKey: "10,20", UnitPrice: 35000, Quantity: 1, KitchenState: KitchenQueued}}, []Line{cafe}, []int64{1, 1}, []int{1}, ""},
		{"two new equal lines merge together", nil, []Line{cafe, cafe}, []int64{2}, []int{0, 0}, ""},
		{"quantity 0 refused", nil, []Line{{VariantID: 1, Quantity: 0}}, nil, nil, "body.lines[0].quantity"},
		{"quantity 10000 refused", nil, []Line{{VariantID: 1, Quantity: 10000}}, nil, nil, "body.lines[0].quantity"},
		{"merge past 9999 refused", []Line{{VariantID: 1, Quantity: 9990}}, []Line{{VariantID: 2, Quantity: 1}, {VariantID: 1, Quantity: 10}}, nil, nil, "body.lines[1].quantity"},
	}
	for _, c := range cases {
		got, at, err := Merge(c.existing, c.incoming)
		if c.errLoc != "" {
			e, ok := err.(*errs.E)
			if !ok || e.Kind != errs.Rule || len(e.Fields) == 0 || e.Fields[0].Location != c.errLoc {
				t.Errorf("%s: error %v, want a 422 at %s", c.name, err, c.errLoc)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(got) != len(c.wantQty) {
			t.Errorf("%s: %d lines, want %d", c.name, len(got), len(c.wantQty))
			continue
		}
		for i := range got {
			if got[i].Quantity != c.wantQty[i] {
				t.Errorf("%s: line %d qty %d, want %d", c.name, i, got[i].Quantity, c.wantQty[i])
			}
		}
		for i := range at {
			if at[i] != c.wantAt[i] {
				t.Errorf("%s: incoming %d landed on %d, want %d", c.name, i, at[i], c.wantAt[i])
			}
		}
	}
	// At most 100 lines.
	var many []Line
	for i := 0; i < MaxLines; i++ {
		many = append(many, Line{VariantID: 1, UnitPrice: int64(i), Quantity: 1})
	}
	if _, _, err := Merge(many, []Line{{VariantID: 2, Quantity: 1}}); err == nil {
		t.Fatal("101st line accepted")
	}
}

func TestRefundAmountAddsUp(t *testing.T) {
	// A line of 3 units totalling 100 000 with 7 407 tax, refunded 1 + 1 + 1.
	var a, tx, done int64
	for i := 0; i < 3; i++ {
		x, y := RefundAmount(100000, 7407, 3, done, 1)
		a += x
		tx += y
		done++
	}
	if a != 100000 || tx != 7407 {
		t.Fatalf("parts add to %d / %d", a, tx)
	}
	if x, y := RefundAmount(100000, 7407, 3, 0, 3); x != 100000 || y != 7407 {
		t.Fatalf("whole: %d %d", x, y)
	}
	for total := int64(1); total < 500; total += 7 {
		for n := int64(1); n < 9; n++ {
			var sum, done int64
			for done < n {
				q := min(2, n-done)
				x, _ := RefundAmount(total, 0, n, done, q)
				if x < 0 {
					t.Fatalf("negative part")
				}
				sum += x
				done += q
			}
			if sum != total {
				t.Fatalf("total %d over %d units refunds %d", total, n, sum)
			}
		}
	}
}

func TestProrate(t *testing.T) {
	got := Prorate(10, []int64{1, 1, 1})
	if got[0]+got[1]+got[2] != 10 || got[0] != 4 {
		t.Fatalf("prorate %v", got)
	}
	if p := Prorate(0, []int64{5}); p[0] != 0 {
		t.Fatal(p)
	}
	if p := Prorate(7, []int64{0, 0}); p[0]+p[1] != 0 {
		t.Fatal(p)
	}
}

func TestChange(t *testing.T) {
	if c, err := Change(200000, 149000); err != nil || c != 51000 {
		t.Fatalf("%d %v", c, err)
	}
	if _, err := Change(100000, 149000); errs.KindOf(err) != errs.Rule || !errors.Is(err, ErrTenderShort) {
		t.Fatalf("short tender: %v", err)
	}
}

// TestRefusal: a refusal answers with its own message and fields and the status of its rule,
// and is its rule for errors.Is, not another rule of the same status.
func TestRefusal(t *testing.T) {
	err := fieldRefusal(ErrOverDue, "body.amount", "amount 5 exceeds the 3 still due", 5)
	if err.Message != "amount 5 exceeds the 3 still due" || err.Kind != errs.Rule || len(err.Fields) != 1 || err.Fields[0].Location != "body.amount" {
		t.Fatalf("refusal: %+v", err)
	}
	if !errors.Is(err, ErrOverDue) || errors.Is(err, ErrTenderShort) || errors.Is(ErrOverDue, err) {
		t.Fatalf("errors.Is: %v", err)
	}
	var wrapped error = relocate(err, "body.tenders[0]")
	if !errors.Is(wrapped, ErrOverDue) || errs.KindOf(wrapped) != errs.Rule {
		t.Fatalf("relocated: %v", wrapped)
	}
}
