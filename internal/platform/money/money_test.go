package money

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
)

func TestBounds(t *testing.T) {
	cases := []struct {
		name  string
		check func(string, int64) error
		v     int64
		ok    bool
	}{
		{"amount 0", Amount, 0, true},
		{"amount at the bound", Amount, MaxAmount, true},
		{"amount past the bound", Amount, MaxAmount + 1, false},
		{"amount int64 max", Amount, math.MaxInt64, false},
		{"amount negative", Amount, -1, false},
		{"signed at the lower bound", Signed, -MaxAmount, true},
		{"signed past the lower bound", Signed, -MaxAmount - 1, false},
		{"signed int64 min", Signed, math.MinInt64, false},
		{"quantity at the bound", Quantity, MaxQuantity, true},
		{"quantity negative at the bound", Quantity, -MaxQuantity, true},
		{"quantity past the bound", Quantity, MaxQuantity + 1, false},
		{"quantity int64 min", Quantity, math.MinInt64, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.check("body.x", c.v)
			if (err == nil) != c.ok {
				t.Fatalf("%d: %v, want ok %v", c.v, err, c.ok)
			}
			if err == nil {
				return
			}
			var e *errs.E
			if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "body.x" || !errors.Is(err, ErrOutOfBounds) {
				t.Fatalf("%d: %#v, want a 400 naming body.x", c.v, err)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	cases := []struct {
		name     string
		got      func() (int64, error)
		want     int64
		overflow bool
	}{
		{"add", func() (int64, error) { return Add(MaxAmount, MaxAmount) }, 2 * MaxAmount, false},
		{"add past int64", func() (int64, error) { return Add(math.MaxInt64, 1) }, 0, true},
		{"add below int64", func() (int64, error) { return Add(math.MinInt64, -1) }, 0, true},
		{"add opposite signs", func() (int64, error) { return Add(math.MaxInt64, math.MinInt64) }, -1, false},
		{"sum", func() (int64, error) { return Sum(1, 2, 3, -4) }, 2, false},
		{"sum past int64", func() (int64, error) { return Sum(math.MaxInt64/2, math.MaxInt64/2, 2) }, 0, true},
		{"a line at both bounds", func() (int64, error) { return Mul(MaxAmount, MaxQuantity) }, MaxAmount * MaxQuantity, false},
		{"mul past int64", func() (int64, error) { return Mul(math.MaxInt64, 2) }, 0, true},
		{"mul the issue's unit cost", func() (int64, error) { return Mul(math.MaxInt64, 10) }, 0, true},
		{"mul negative", func() (int64, error) { return Mul(-3, 7) }, -21, false},
		{"mul to int64 min", func() (int64, error) { return Mul(math.MinInt64/2, 2) }, math.MinInt64, false},
		{"mul int64 min by -1", func() (int64, error) { return Mul(math.MinInt64, -1) }, 0, true},
		{"mul by zero", func() (int64, error) { return Mul(math.MaxInt64, 0) }, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.got()
			if c.overflow {
				if !errors.Is(err, ErrOverflow) || errs.KindOf(err) != errs.Rule {
					t.Fatalf("%d, %v; want ErrOverflow", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("%d, %v; want %d", got, err, c.want)
			}
		})
	}
}

// FuzzArithmetic checks Add and Mul against exact big-integer arithmetic: the result when it fits
// in an int64, ErrOverflow when it does not.
func FuzzArithmetic(f *testing.F) {
	for _, s := range [][2]int64{{0, 0}, {math.MaxInt64, 1}, {math.MinInt64, -1}, {MaxAmount, MaxQuantity}, {-1 << 32, 1 << 31}, {math.MinInt64, 1}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b int64) {
		check := func(op string, got int64, err error, exact *big.Int) {
			if exact.IsInt64() {
				if err != nil || got != exact.Int64() {
					t.Fatalf("%s(%d, %d) = %d, %v; want %s", op, a, b, got, err, exact)
				}
			} else if !errors.Is(err, ErrOverflow) {
				t.Fatalf("%s(%d, %d) = %d, %v; want ErrOverflow (%s)", op, a, b, got, err, exact)
			}
		}
		s, err := Add(a, b)
		check("Add", s, err, new(big.Int).Add(big.NewInt(a), big.NewInt(b)))
		p, err := Mul(a, b)
		check("Mul", p, err, new(big.Int).Mul(big.NewInt(a), big.NewInt(b)))
	})
}
