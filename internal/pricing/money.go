package pricing

import (
	"cmp"
	"math/bits"
	"slices"
)

// Limits of a quote. They exist so that no sum or product of the engine can overflow int64: a line
// is at most MaxUnitPrice x MaxQuantity = 10^16 dong, an order of MaxLines lines at most 2 x 10^18,
// and tax of at most 100% keeps it under 4 x 10^18 < 2^63. Anything larger is refused by name.
const (
	MaxUnitPrice = 100_000_000_000 // 100 billion dong: one unit, fare plus modifiers, before and after rules
	MaxQuantity  = 100_000         // units of one line
	MaxLines     = 200             // lines of one quote (sale allows 100)
	MaxModifiers = 50              // modifiers of one line
	MaxPercentBP = 10_000          // 100%: the most a discount, a promotion or a tax takes
	MaxMarkupBP  = 100_000         // 1000%: the most a percent markup adds
)

// mulDivRem returns a*b/c and a*b%c through a 128-bit product, because a share of an order total
// (total x weight / sum) overflows 64 bits long before its result does. The arguments are
// non-negative, c is positive, and the limits above keep the quotient below 2^63.
func mulDivRem(a, b, c int64) (q, r int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	uq, ur := bits.Div64(hi, lo, uint64(c))
	return int64(uq), int64(ur)
}

// roundDiv returns a*b/c rounded half up to a whole dong: the one rounding rule of the engine
// (rule percentages, promotion percentages, tax per rate). Half up rather than half even because
// Vietnamese invoices and tax returns round .5 dong up.
func roundDiv(a, b, c int64) int64 {
	q, r := mulDivRem(a, b, c)
	if r >= c-r {
		q++
	}
	return q
}

// allocate turns exact shares q[i] + rem[i]/den into whole-dong shares that add up to target, by
// the largest remainder method: every share gets its floor, and the dong left over go one each
// to the largest remainders, ties to the lower index. Callers ensure sum(q) <= target <=
// sum(q) + (number of non-zero remainders), so no share moves more than one dong from its exact
// value and none goes negative. It rewrites q in place and returns it.
func allocate(target int64, q, rem []int64) []int64 {
	left := target
	for _, v := range q {
		left -= v
	}
	if left <= 0 {
		return q
	}
	order := make([]int, 0, len(q))
	for i, r := range rem {
		if r > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for _, i := range order {
		if left == 0 {
			break
		}
		q[i]++
		left--
	}
	return q
}

// spread divides total over weights in proportion to them, exactly: the shares add up to total
// and none exceeds its weight when total <= sum(weights). It is how an order promotion or a
// capped promotion reaches the lines.
func spread(total int64, weights []int64) []int64 {
	var sum int64
	for _, w := range weights {
		sum += w
	}
	q := make([]int64, len(weights))
	if sum == 0 || total == 0 {
		return q
	}
	rem := make([]int64, len(weights))
	for i, w := range weights {
		q[i], rem[i] = mulDivRem(total, w, sum)
	}
	return allocate(total, q, rem)
}

// lessPerUnit reports whether amount a spread over qa units is cheaper per unit than b over qb,
// comparing a*qb with b*qa in 128 bits so no rounding decides which unit is free.
func lessPerUnit(a, qa, b, qb int64) bool {
	h1, l1 := bits.Mul64(uint64(a), uint64(qb))
	h2, l2 := bits.Mul64(uint64(b), uint64(qa))
	return h1 < h2 || (h1 == h2 && l1 < l2)
}
