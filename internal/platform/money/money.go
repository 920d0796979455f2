// Package money holds BANA's bounds on amounts of money and quantities of goods, and the
// arithmetic that adds and multiplies them without overflow. It is the one place where the
// bounds are spelled: every module checks what a client sends with Amount and Quantity (a 400
// naming the field), the HTTP layer applies MaxAmount to every integer of a request body that
// declares no narrower bound (internal/platform/api), and sums and products of amounts go
// through Add and Mul, which refuse (ErrOverflow, 422) instead of wrapping around.
//
// Why these bounds (docs/decisions/0012-money-bounds.md): no real sale, stock move or cash
// drawer reaches 10^12 dong (about 40 million US dollars), and with amounts at most 10^12 and
// quantities at most 10^6, one line (amount x quantity) is at most 10^18 < 2^63, so a line never
// overflows and a total overflows only past nine million such lines.
package money

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/banapos/bana/internal/platform/errs"
)

const (
	// MaxAmount is the largest amount of money, in whole dong, that BANA accepts in an input:
	// a price, a cost, a tender, a float, a cash movement, a counted drawer. 10^12 dong.
	MaxAmount int64 = 1_000_000_000_000
	// MaxQuantity is the largest quantity of goods in one input: the units of an order line, a
	// stock movement's line, a count, a purchase order line, an opening stock. 10^6 units.
	MaxQuantity int64 = 1_000_000
)

// ErrOverflow is a sum or product of amounts that does not fit in 64 bits. With inputs inside
// the bounds it takes millions of maximal lines; it is refused rather than wrapped around.
var ErrOverflow = errs.New(errs.Rule, "the amounts add up to more than can be counted")

// ErrOutOfBounds is an amount or quantity outside the bounds of this package (400, naming the
// field).
var ErrOutOfBounds = errs.New(errs.Invalid, "is out of bounds")

// Amount checks an amount of money (whole dong) a client gave at loc ("body.openingFloat"): it
// must be 0 to MaxAmount. A sign rule of the field (positive, or signed) is the caller's; a
// signed amount is checked with Signed.
func Amount(loc string, v int64) error {
	if v < 0 || v > MaxAmount {
		return outside(loc, "must be an amount of 0 to "+strconv.FormatInt(MaxAmount, 10)+" dong", v)
	}
	return nil
}

// Signed checks a signed amount of money (a correction, a price adjustment): -MaxAmount to
// MaxAmount.
func Signed(loc string, v int64) error {
	if v < -MaxAmount || v > MaxAmount {
		return outside(loc, "must be an amount of -"+strconv.FormatInt(MaxAmount, 10)+" to "+strconv.FormatInt(MaxAmount, 10)+" dong", v)
	}
	return nil
}

// Quantity checks a quantity of goods a client gave at loc ("body.lines[2].quantity"): its
// size must be at most MaxQuantity. Whether it may be zero or negative is the caller's rule.
func Quantity(loc string, q int64) error {
	if q < -MaxQuantity || q > MaxQuantity {
		return outside(loc, "must be a quantity of at most "+strconv.FormatInt(MaxQuantity, 10)+" units", q)
	}
	return nil
}

func outside(loc, msg string, v int64) error {
	return &errs.E{Kind: errs.Invalid, Message: msg, Err: ErrOutOfBounds,
		Fields: []errs.FieldError{{Location: loc, Message: msg, Value: v}}}
}

// Add returns a + b, or ErrOverflow when the sum does not fit in an int64.
func Add(a, b int64) (int64, error) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		return 0, ErrOverflow
	}
	return s, nil
}

// Sum adds vs, or returns ErrOverflow.
func Sum(vs ...int64) (int64, error) {
	var s int64
	for _, v := range vs {
		var err error
		if s, err = Add(s, v); err != nil {
			return 0, err
		}
	}
	return s, nil
}

// Mul returns a x b, or ErrOverflow when the product does not fit in an int64.
func Mul(a, b int64) (int64, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs(a), abs(b))
	if hi != 0 || lo > math.MaxInt64+boolToUint(neg) {
		return 0, ErrOverflow
	}
	if neg {
		return int64(-lo), nil // lo <= 2^63, checked above
	}
	return int64(lo), nil
}

// abs returns |v| as an unsigned value (|MinInt64| = 2^63 fits).
func abs(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

func boolToUint(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
