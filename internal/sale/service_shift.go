package sale

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/banapos/bana/internal/platform/db"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/banapos/bana/internal/platform/query"
)

// OpenShiftRequest opens a cash session.
type OpenShiftRequest struct {
	MerchantID   id.ID  `json:"merchantId"`
	Register     string `json:"register,omitempty" maxLength:"40" doc:"Register (till) name, default MAIN"`
	OpeningFloat int64  `json:"openingFloat" minimum:"0" doc:"Cash in the drawer at opening, whole VND"`
}

// OpenShift opens a register's cash session; a register has at most one open shift.
func (m *Module) OpenShift(ctx context.Context, r OpenShiftRequest) (*Shift, error) {
	if r.Register == "" {
		r.Register = DefaultRegister
	}
	if err := money.Amount("body.openingFloat", r.OpeningFloat); err != nil {
		return nil, err
	}
	mer, err := m.checkMerchant(ctx, r.MerchantID)
	if err != nil {
		return nil, err
	}
	var s *Shift
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := m.openShift(ctx, r.MerchantID, r.Register); err == nil {
			return refusalf(ErrShiftAlreadyOpen, "register %s already has an open shift", r.Register)
		} else if !errors.Is(err, ErrNoOpenShift) {
			return err
		}
		s = &Shift{OrganizerID: mer.OrganizerID, MerchantID: mer.ID, Register: r.Register, Status: ShiftOpen, OpenedBy: actor(ctx),
			OpeningFloat: r.OpeningFloat, OpenedAt: m.now()}
		if err := m.shifts.Create(ctx, s); err != nil {
			if errs.KindOf(err) == errs.Conflict {
				return refusalf(ErrShiftAlreadyOpen, "register %s already has an open shift", r.Register)
			}
			return err
		}
		return m.movements.Create(ctx, &CashMovement{OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, ShiftID: s.ID,
			Kind: MoveFloat, Amount: r.OpeningFloat, Reason: "opening float", CreatedBy: actor(ctx)})
	})
	if err == nil {
		m.logInfo(ctx, "shift opened", "shift", s.ID, "merchant", s.MerchantID, "register", s.Register, "float", s.OpeningFloat)
	}
	return s, err
}

// CurrentShift returns the open shift of a merchant's register (DefaultRegister when empty), or
// ErrNoOpenShift.
func (m *Module) CurrentShift(ctx context.Context, merchantID id.ID, register string) (*Shift, error) {
	if register == "" {
		register = DefaultRegister
	}
	if _, err := m.checkMerchant(ctx, merchantID); err != nil {
		return nil, err
	}
	return m.openShift(ctx, merchantID, register)
}

// openShift finds the register's open shift, or a 422 saying to open one.
func (m *Module) openShift(ctx context.Context, merchantID id.ID, register string) (*Shift, error) {
	list, err := m.shifts.Find(ctx, &query.Filter{Where: map[string]any{"merchantId": merchantID.String(), "register": register, "status": ShiftOpen}, Limit: 1}, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fieldRefusal(ErrNoOpenShift, "body.register", "register "+register+" has no open shift; open one first", register)
	}
	return &list[0], nil
}

// CashMoveRequest puts cash in or takes it out of the drawer.
type CashMoveRequest struct {
	Kind   string `json:"kind" enum:"CASH_IN,CASH_OUT"`
	Amount int64  `json:"amount" minimum:"1"`
	Reason string `json:"reason" minLength:"1" maxLength:"200"`
}

// MoveCash records cash paid into or out of an open shift's drawer.
func (m *Module) MoveCash(ctx context.Context, shiftID id.ID, r CashMoveRequest) (*CashMovement, error) {
	if r.Amount <= 0 {
		return nil, errs.Field("body.amount", "must be positive", r.Amount)
	}
	if err := money.Amount("body.amount", r.Amount); err != nil {
		return nil, err
	}
	var mv *CashMovement
	_, err := updateIn(ctx, m.db, m.shifts, shiftID, func(ctx context.Context, s *Shift) error {
		if s.Status != ShiftOpen {
			return ErrShiftClosed
		}
		amount := r.Amount
		if r.Kind == MoveCashOut {
			amount = -amount
		} else if r.Kind != MoveCashIn {
			return errs.Field("body.kind", "must be CASH_IN or CASH_OUT", r.Kind)
		}
		mv = &CashMovement{OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, ShiftID: s.ID, Kind: r.Kind, Amount: amount,
			Reason: db.OptText(r.Reason), CreatedBy: actor(ctx)}
		return m.movements.Create(ctx, mv)
	})
	return mv, err
}

// ZData is the content of a Z-report.
type ZData struct {
	Register      string           `json:"register"`
	OpenedAt      string           `json:"openedAt"`
	ClosedAt      string           `json:"closedAt"`
	Orders        int              `json:"orders" doc:"Orders paid in the shift"`
	Gross         int64            `json:"gross" doc:"Sum of paid orders' totals"`
	Discounts     int64            `json:"discounts"`
	Tax           int64            `json:"tax"`
	ByTender      map[string]int64 `json:"byTender" doc:"Succeeded payments by provider:method"`
	ByTaxRate     map[string]TaxZ  `json:"byTaxRate"`
	ByCategory    map[string]int64 `json:"byCategory"`
	Refunds       int64            `json:"refunds"`
	RefundCount   int              `json:"refundCount"`
	Voids         int              `json:"voids" doc:"Orders cancelled or expired"`
	VoidAmount    int64            `json:"voidAmount"`
	OpeningFloat  int64            `json:"openingFloat"`
	CashSales     int64            `json:"cashSales"`
	CashRefunds   int64            `json:"cashRefunds"`
	CashIn        int64            `json:"cashIn"`
	CashOut       int64            `json:"cashOut"`
	ExpectedCash  int64            `json:"expectedCash"`
	CountedCash   int64            `json:"countedCash"`
	Difference    int64            `json:"difference" doc:"Counted minus expected"`
	Net           int64            `json:"net" doc:"Gross minus refunds"`
	OrderNumbers  []int            `json:"orderNumbers"`
	Currency      string           `json:"currency"`
	GeneratedWith string           `json:"generatedWith"`
}

// TaxZ is one tax rate's totals.
type TaxZ struct {
	Taxable int64 `json:"taxable"`
	Tax     int64 `json:"tax"`
}

// CloseShiftRequest closes a shift with the counted cash.
type CloseShiftRequest struct {
	CountedCash int64 `json:"countedCash" minimum:"0"`
}

// CloseShift counts the drawer and closes the shift with an immutable, sequentially numbered
// Z-report. It is refused while any order of the shift is still DRAFT or PROCESSING.
func (m *Module) CloseShift(ctx context.Context, shiftID id.ID, r CloseShiftRequest) (*Shift, *ZReport, error) {
	if err := money.Amount("body.countedCash", r.CountedCash); err != nil {
		return nil, nil, err
	}
	var z *ZReport
	s, err := updateIn(ctx, m.db, m.shifts, shiftID, func(ctx context.Context, s *Shift) error {
		if s.Status != ShiftOpen {
			return refusal(ErrShiftClosed, "shift is already closed")
		}
		open, err := m.countOpenOrders(ctx, s.ID)
		if err != nil {
			return err
		}
		if open > 0 {
			return refusalf(ErrShiftHasOpenOrders, "%d orders of this shift are still open; finish or cancel them first", open)
		}
		now := m.now()
		data, err := m.zData(ctx, s, r.CountedCash, now)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(data)
		num, err := m.nextNumber(ctx, s.MerchantID, seqZReport)
		if err != nil {
			return err
		}
		z = &ZReport{OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, ShiftID: s.ID, Number: num, Data: raw}
		if err := m.zreports.Create(ctx, z); err != nil {
			return err
		}
		closer := actor(ctx)
		s.Status, s.ClosedAt, s.ClosedBy, s.ZReportID = ShiftClosed, &now, &closer, &z.ID
		s.ExpectedCash, s.CountedCash, s.Difference = &data.ExpectedCash, &data.CountedCash, &data.Difference
		m.logInfo(ctx, "shift closed", "shift", s.ID, "merchant", s.MerchantID, "register", s.Register, "z_report", z.Number,
			"orders", data.Orders, "net", data.Net, "expected_cash", data.ExpectedCash, "counted_cash", data.CountedCash, "difference", data.Difference)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return s, z, nil
}

// zData totals a shift from the aggregates of its orders, lines, payments, refunds and drawer
// movements (store_shift.go), closed at now. Every sum is checked (money.Add): totals that do not
// fit in 64 bits are money.ErrOverflow, never a wrapped, negative expected cash. (The SQL sums
// cannot wrap either: PostgreSQL sums bigints as numeric and SQLite raises an error; with every
// amount at most money.MaxAmount they stay in range until nine million maximal rows.)
func (m *Module) zData(ctx context.Context, s *Shift, counted int64, now time.Time) (*ZData, error) {
	d := &ZData{Register: s.Register, OpenedAt: s.OpenedAt.Format(zTime), ClosedAt: now.Format(zTime),
		ByTender: map[string]int64{}, ByTaxRate: map[string]TaxZ{}, ByCategory: map[string]int64{}, OpeningFloat: s.OpeningFloat,
		CountedCash: counted, Currency: DefaultCurrency, GeneratedWith: "bana", OrderNumbers: []int{}}
	var overflow error
	add := func(sum *int64, v int64) {
		if overflow == nil {
			*sum, overflow = money.Add(*sum, v)
		}
	}
	orders, err := m.shiftOrders(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range orders {
		switch o.status {
		case Cancelled, Expired:
			d.Voids++
			add(&d.VoidAmount, o.total)
		case Paid, Completed, PartiallyRefunded, Refunded:
			d.Orders++
			add(&d.Gross, o.total)
			add(&d.Discounts, o.discount)
			add(&d.Tax, o.tax)
			d.OrderNumbers = append(d.OrderNumbers, o.number)
		}
	}
	lines, err := m.shiftLineSums(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range lines {
		rate, cat := g.a, g.b
		t := d.ByTaxRate[rate]
		add(&t.Taxable, g.x)
		add(&t.Tax, g.y)
		d.ByTaxRate[rate] = t
		if cat == "" {
			cat = "UNCATEGORIZED"
		}
		c := d.ByCategory[cat]
		add(&c, g.x)
		d.ByCategory[cat] = c
	}
	tenders, err := m.shiftTenderSums(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range tenders {
		k := g.a + ":" + g.b
		v := d.ByTender[k]
		add(&v, g.x)
		d.ByTender[k] = v
	}
	if d.RefundCount, d.Refunds, err = m.shiftRefunds(ctx, s.ID); err != nil {
		return nil, err
	}
	cash, err := m.shiftCashSums(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range cash {
		switch g.a {
		case MoveSale:
			add(&d.CashSales, g.x)
		case MoveRefund:
			add(&d.CashRefunds, -g.x)
		case MoveCashIn:
			add(&d.CashIn, g.x)
		case MoveCashOut:
			add(&d.CashOut, -g.x)
		}
	}
	// Expected = float + cash sales - cash refunds + cash in - cash out.
	add(&d.ExpectedCash, d.OpeningFloat)
	add(&d.ExpectedCash, d.CashSales)
	add(&d.ExpectedCash, -d.CashRefunds)
	add(&d.ExpectedCash, d.CashIn)
	add(&d.ExpectedCash, -d.CashOut)
	add(&d.Difference, counted)
	add(&d.Difference, -d.ExpectedCash)
	add(&d.Net, d.Gross)
	add(&d.Net, -d.Refunds)
	if overflow != nil {
		return nil, overflow
	}
	return d, nil
}

// zTime is how a Z-report writes its times.
const zTime = "2006-01-02T15:04:05Z"
