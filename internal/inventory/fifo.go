package inventory

import (
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

// Layer is what FIFO costing needs of a cost layer: stock that arrived together at one unit cost.
type Layer struct {
	ID        id.ID
	UnitCost  int64
	Remaining int64
}

// Take is the part of one layer that an outbound movement consumes.
type Take struct {
	LayerID  id.ID
	Quantity int64
	UnitCost int64
}

// Consume takes qty from layers, oldest first (layers must be in FIFO order), and returns what it
// took of each, the cost of it, and the quantity no layer covered (stock that arrived without a
// cost; it costs nothing here, and the caller decides what that means). A cost that does not fit
// in 64 bits is money.ErrOverflow, never a wrapped number.
func Consume(layers []Layer, qty int64) (takes []Take, cost int64, uncovered int64, err error) {
	for _, l := range layers {
		if qty <= 0 {
			break
		}
		n := min(l.Remaining, qty)
		if n <= 0 {
			continue
		}
		takes = append(takes, Take{LayerID: l.ID, Quantity: n, UnitCost: l.UnitCost})
		c, err := money.Mul(n, l.UnitCost)
		if err == nil {
			cost, err = money.Add(cost, c)
		}
		if err != nil {
			return nil, 0, 0, err
		}
		qty -= n
	}
	return takes, cost, max(qty, 0), nil
}
