package sale

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// CashLine is one cash tender or cash refund of a shift.
type CashLine struct {
	ID     id.ID
	Amount int64
}

// ShiftCash is what a shift's cash drawer saw, for finance's check of its cash postings against
// the Z-report: the shift, its Z-report once closed, the succeeded cash tenders of its paid
// orders (each published a PaymentSuccess) and the cash refunds paid out of it (each an
// OrderRefunded).
type ShiftCash struct {
	Shift    Shift
	ZReport  *ZReport // nil while the shift is open
	Z        *ZData
	Payments []CashLine
	Refunds  []CashLine
}

// ShiftCash reads a shift's cash for the caller of ctx: another tenant's shift is not found.
func (m *Module) ShiftCash(ctx context.Context, shiftID id.ID) (*ShiftCash, error) {
	s, err := m.shifts.Get(ctx, shiftID, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	out := &ShiftCash{Shift: *s}
	if s.ZReportID != nil {
		if out.ZReport, err = m.zreports.Get(ctx, *s.ZReportID, query.ExcludeDeleted); err != nil {
			return nil, err
		}
		out.Z = &ZData{}
		if err := json.Unmarshal(out.ZReport.Data, out.Z); err != nil {
			return nil, fmt.Errorf("z-report %s of shift %s: %w", out.ZReport.ID, s.ID, err)
		}
	}
	if out.Payments, err = m.shiftCashTenders(ctx, s.ID); err != nil {
		return nil, err
	}
	if out.Refunds, err = m.shiftCashRefunds(ctx, s.ID); err != nil {
		return nil, err
	}
	return out, nil
}
