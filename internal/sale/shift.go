package sale

import (
	"context"
	"encoding/json"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
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
	if r.OpeningFloat < 0 {
		return nil, errs.Field("body.openingFloat", "must not be negative", r.OpeningFloat)
	}
	mer, err := m.checkMerchant(ctx, r.MerchantID)
	if err != nil {
		return nil, err
	}
	var s *Shift
	err = m.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := m.openShift(ctx, r.MerchantID, r.Register); err == nil {
			return errs.Newf(errs.Conflict, "register %s already has an open shift", r.Register)
		} else if errs.KindOf(err) != errs.Rule {
			return err
		}
		s = &Shift{OrganizerID: mer.OrganizerID, MerchantID: mer.ID, Register: r.Register, Status: "OPEN", OpenedBy: actor(ctx),
			OpeningFloat: r.OpeningFloat, OpenedAt: m.now()}
		if err := m.shifts.Create(ctx, s); err != nil {
			if errs.KindOf(err) == errs.Conflict {
				return errs.Newf(errs.Conflict, "register %s already has an open shift", r.Register)
			}
			return err
		}
		return m.movements.Create(ctx, &CashMovement{OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, ShiftID: s.ID,
			Kind: "FLOAT", Amount: r.OpeningFloat, Reason: "opening float", CreatedBy: actor(ctx)})
	})
	return s, err
}

// openShift finds the register's open shift, or a 422 saying to open one.
func (m *Module) openShift(ctx context.Context, merchantID id.ID, register string) (*Shift, error) {
	list, err := m.shifts.Find(ctx, &query.Filter{Where: map[string]any{"merchantId": merchantID.String(), "register": register, "status": "OPEN"}, Limit: 1}, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.RuleField("body.register", "register "+register+" has no open shift; open one first", register)
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
	var mv *CashMovement
	_, err := updateIn(ctx, m.DB, m.shifts, shiftID, func(ctx context.Context, s *Shift) error {
		if s.Status != "OPEN" {
			return errs.New(errs.Conflict, "shift is closed")
		}
		amount := r.Amount
		if r.Kind == "CASH_OUT" {
			amount = -amount
		} else if r.Kind != "CASH_IN" {
			return errs.Field("body.kind", "must be CASH_IN or CASH_OUT", r.Kind)
		}
		mv = &CashMovement{OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, ShiftID: s.ID, Kind: r.Kind, Amount: amount,
			Reason: r.Reason, CreatedBy: actor(ctx)}
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
	var z *ZReport
	s, err := updateIn(ctx, m.DB, m.shifts, shiftID, func(ctx context.Context, s *Shift) error {
		if s.Status != "OPEN" {
			return errs.New(errs.Conflict, "shift is already closed")
		}
		var open int
		if err := m.DB.Raw(ctx, true).QueryRowContext(ctx, m.DB.Rebind("SELECT count(*) FROM sale_orders WHERE shift_id = ? AND status IN (?, ?)"),
			int64(s.ID), Draft, Processing).Scan(&open); err != nil {
			return db.Classify(err)
		}
		if open > 0 {
			return errs.Newf(errs.Conflict, "%d orders of this shift are still open; finish or cancel them first", open)
		}
		data, err := m.zData(ctx, s, r.CountedCash)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(data)
		num, err := m.nextNumber(ctx, s.MerchantID, "zreport")
		if err != nil {
			return err
		}
		z = &ZReport{OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, ShiftID: s.ID, Number: num, Data: raw}
		if err := m.zreports.Create(ctx, z); err != nil {
			return err
		}
		now := m.now()
		closer := actor(ctx)
		s.Status, s.ClosedAt, s.ClosedBy, s.ZReportID = "CLOSED", &now, &closer, &z.ID
		s.ExpectedCash, s.CountedCash, s.Difference = &data.ExpectedCash, &data.CountedCash, &data.Difference
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return s, z, nil
}

// zData totals a shift with aggregate queries over its orders, lines, payments, refunds and
// drawer movements.
func (m *Module) zData(ctx context.Context, s *Shift, counted int64) (*ZData, error) {
	d := &ZData{Register: s.Register, OpenedAt: s.OpenedAt.Format("2006-01-02T15:04:05Z"), ClosedAt: m.now().Format("2006-01-02T15:04:05Z"),
		ByTender: map[string]int64{}, ByTaxRate: map[string]TaxZ{}, ByCategory: map[string]int64{}, OpeningFloat: s.OpeningFloat,
		CountedCash: counted, Currency: "VND", GeneratedWith: "bana", OrderNumbers: []int{}}
	q := m.DB.Raw(ctx, true)
	sid := int64(s.ID)
	paidStates := []any{Paid, Completed, PartiallyRefunded, Refunded}
	rows, err := q.QueryContext(ctx, m.DB.Rebind(`SELECT number, total, discount_total, tax_total, status FROM sale_orders
		WHERE shift_id = ? ORDER BY number`), sid)
	if err != nil {
		return nil, db.Classify(err)
	}
	for rows.Next() {
		var num int
		var total, disc, tax int64
		var st Status
		if err := rows.Scan(&num, &total, &disc, &tax, &st); err != nil {
			rows.Close()
			return nil, err
		}
		switch st {
		case Cancelled, Expired:
			d.Voids++
			d.VoidAmount += total
		case Paid, Completed, PartiallyRefunded, Refunded:
			d.Orders++
			d.Gross += total
			d.Discounts += disc
			d.Tax += tax
			d.OrderNumbers = append(d.OrderNumbers, num)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := scanGroups(ctx, q, m.DB.Rebind(`SELECT i.tax_rate, i.category_code, COALESCE(SUM(i.total), 0), COALESCE(SUM(i.tax), 0)
		FROM sale_order_items i JOIN sale_orders o ON o.id = i.order_id
		WHERE o.shift_id = ? AND o.status IN (?, ?, ?, ?) GROUP BY i.tax_rate, i.category_code`), append([]any{sid}, paidStates...),
		func(rate, cat string, total, tax int64) {
			t := d.ByTaxRate[rate]
			t.Taxable += total
			t.Tax += tax
			d.ByTaxRate[rate] = t
			if cat == "" {
				cat = "UNCATEGORIZED"
			}
			d.ByCategory[cat] += total
		}); err != nil {
		return nil, err
	}
	if err := scanGroups(ctx, q, m.DB.Rebind(`SELECT provider, method, COALESCE(SUM(amount - refunded), 0), 0 FROM sale_payments
		WHERE shift_id = ? AND status = ? GROUP BY provider, method`), []any{sid, PaymentSucceeded},
		func(provider, method string, net, _ int64) { d.ByTender[provider+":"+method] += net }); err != nil {
		return nil, err
	}
	if err := q.QueryRowContext(ctx, m.DB.Rebind("SELECT count(*), COALESCE(SUM(amount), 0) FROM sale_refunds WHERE shift_id = ?"), sid).
		Scan(&d.RefundCount, &d.Refunds); err != nil {
		return nil, db.Classify(err)
	}
	if err := scanGroups(ctx, q, m.DB.Rebind("SELECT kind, '', COALESCE(SUM(amount), 0), 0 FROM sale_cash_movements WHERE shift_id = ? GROUP BY kind"),
		[]any{sid}, func(kind, _ string, sum, _ int64) {
			switch kind {
			case "SALE":
				d.CashSales += sum
			case "REFUND":
				d.CashRefunds -= sum
			case "CASH_IN":
				d.CashIn += sum
			case "CASH_OUT":
				d.CashOut -= sum
			}
		}); err != nil {
		return nil, err
	}
	d.ExpectedCash = d.OpeningFloat + d.CashSales - d.CashRefunds + d.CashIn - d.CashOut
	d.Difference = counted - d.ExpectedCash
	d.Net = d.Gross - d.Refunds
	return d, nil
}

// scanGroups runs a grouped query of two text keys and two sums.
func scanGroups(ctx context.Context, q db.Querier, sql string, args []any, f func(a, b string, x, y int64)) error {
	rows, err := q.QueryContext(ctx, sql, args...)
	if err != nil {
		return db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		var x, y int64
		if err := rows.Scan(&a, &b, &x, &y); err != nil {
			return err
		}
		f(a, b, x, y)
	}
	return rows.Err()
}
