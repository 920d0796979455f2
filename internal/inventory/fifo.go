package inventory

import "github.com/banapos/bana/internal/platform/id"

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
// cost; it costs nothing here, and the caller decides what that means).
func Consume(layers []Layer, qty int64) (takes []Take, cost int64, uncovered int64) {
	for _, l := range layers {
		if qty <= 0 {
			break
		}
		n := min(l.Remaining, qty)
		if n <= 0 {
			continue
		}
		takes = append(takes, Take{LayerID: l.ID, Quantity: n, UnitCost: l.UnitCost})
		cost += n * l.UnitCost
		qty -= n
	}
	return takes, cost, max(qty, 0)
}
