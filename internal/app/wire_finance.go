package app

import (
	"context"

	"github.com/banapos/bana/internal/finance"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/sale"
)

// buildFinance builds finance over sale's shifts (the check of a shift's cash postings against
// its Z-report). Its event handlers hear commerce, sale and inventory through the bus.
func (a *App) buildFinance() (module.Module, error) {
	return finance.New(finance.Deps{Platform: a.Platform(), Shifts: financeShifts{a.Sale}}), nil
}

// financeShifts adapts sale's shifts to finance.Shifts.
type financeShifts struct{ s *sale.Module }

func (f financeShifts) ShiftCash(ctx context.Context, shiftID id.ID) (finance.ShiftCash, error) {
	c, err := f.s.ShiftCash(ctx, shiftID)
	if err != nil {
		return finance.ShiftCash{}, err
	}
	out := finance.ShiftCash{ShiftID: c.Shift.ID, OrganizerID: c.Shift.OrganizerID, MerchantID: c.Shift.MerchantID,
		Register: c.Shift.Register, Closed: c.Shift.Status == sale.ShiftClosed && c.Z != nil,
		Payments: cashItems(c.Payments), Refunds: cashItems(c.Refunds)}
	if c.Z != nil {
		out.ZReportNumber, out.CashSales, out.CashRefunds = c.ZReport.Number, c.Z.CashSales, c.Z.CashRefunds
	}
	return out, nil
}

func cashItems(ls []sale.CashLine) []finance.CashItem {
	out := make([]finance.CashItem, len(ls))
	for i, l := range ls {
		out[i] = finance.CashItem{ID: l.ID, Amount: l.Amount}
	}
	return out
}
