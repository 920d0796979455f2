// Command walk sells at the demo café with the Go client that oapi-codegen generates from BANA's
// OpenAPI document: the owner signs in, the cashier signs in with her PIN, opens a shift on a
// register of her own, takes an order (3 bánh mì, a large iced milk coffee with little sugar, to
// take away), checks it out paying cash, and closes the shift, which writes the Z-report. Every
// answer is read through the generated types; a status other than the documented success, or
// figures that do not add up, end the walk with an error. clients/check.sh runs it against a
// server seeded with `bana seed demo --json`.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/banapos/bana/clients/go/bana"
)

// demo is the part of `bana seed demo --json` the walk reads.
type demo struct {
	MerchantID    string `json:"merchantId"`
	OwnerEmail    string `json:"ownerEmail"`
	OwnerPassword string `json:"ownerPassword"`
	Staff         []struct {
		EmployeeID string `json:"employeeId"`
		Job        string `json:"job"`
		PIN        string `json:"pin"`
	} `json:"staff"`
	Catalog struct {
		Variants map[string]string            `json:"variants"`
		Options  map[string]map[string]string `json:"options"`
	} `json:"catalog"`
}

func main() {
	api := flag.String("api", "http://127.0.0.1:8080/api", "the API's base URL")
	demoFile := flag.String("demo", "demo.json", "the output of bana seed demo --json")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := walk(ctx, *api, *demoFile); err != nil {
		fmt.Fprintln(os.Stderr, "walk:", err)
		os.Exit(1)
	}
}

func walk(ctx context.Context, api, demoFile string) error {
	raw, err := os.ReadFile(demoFile)
	if err != nil {
		return err
	}
	var d demo
	if err := json.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("%s: %w", demoFile, err)
	}
	hc := &http.Client{Timeout: 20 * time.Second}
	anon, err := bana.NewClientWithResponses(api, bana.WithHTTPClient(hc))
	if err != nil {
		return err
	}
	as := func(token string) (*bana.ClientWithResponses, error) {
		return bana.NewClientWithResponses(api, bana.WithHTTPClient(hc),
			bana.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
				r.Header.Set("Authorization", "Bearer "+token)
				return nil
			}))
	}

	// The owner signs in; the cashier signs in at the terminal with her PIN.
	signIn, err := anon.SignInWithResponse(ctx, bana.SignInInput{Identifier: d.OwnerEmail, Password: d.OwnerPassword})
	if err := expect("sign in", err, signIn.StatusCode(), http.StatusOK, signIn.Body, signIn.JSON200 != nil); err != nil {
		return err
	}
	owner, err := as(signIn.JSON200.Token)
	if err != nil {
		return err
	}
	cashierOf := -1
	for i, s := range d.Staff {
		if s.Job == "cashier" {
			cashierOf = i
			break
		}
	}
	if cashierOf < 0 {
		return errors.New("the demo has no cashier")
	}
	staff := d.Staff[cashierOf]
	pin, err := owner.PinSignInWithResponse(ctx, bana.PINSignIn{MerchantId: d.MerchantID, EmployeeId: &staff.EmployeeID, Pin: staff.PIN})
	if err := expect("PIN sign-in", err, pin.StatusCode(), http.StatusOK, pin.Body, pin.JSON200 != nil); err != nil {
		return err
	}
	cashier, err := as(pin.JSON200.Token)
	if err != nil {
		return err
	}

	// A shift of the walk's own register (the demo's MAIN register already has one open).
	register := fmt.Sprintf("WALK-%d", time.Now().Unix())
	const float = 500_000
	shift, err := cashier.OpenShiftWithResponse(ctx, bana.OpenShiftInput{MerchantId: d.MerchantID, Register: &register, OpeningFloat: float})
	if err := expect("open shift", err, shift.StatusCode(), http.StatusCreated, shift.Body, shift.JSON201 != nil); err != nil {
		return err
	}
	if shift.JSON201.Status != bana.ShiftStatusOPEN {
		return fmt.Errorf("open shift: status %s", shift.JSON201.Status)
	}

	// 3 bánh mì and a large iced milk coffee with little sugar, to take away.
	variant := func(sku string) (string, error) {
		if v, ok := d.Catalog.Variants[sku]; ok {
			return v, nil
		}
		return "", fmt.Errorf("the demo has no variant %s", sku)
	}
	banhMi, err := variant("BM-THIT")
	if err != nil {
		return err
	}
	coffee, err := variant("CF-SUA")
	if err != nil {
		return err
	}
	mods := []string{d.Catalog.Options["SIZE"]["Lớn (L)"], d.Catalog.Options["SUGAR"]["Ít đường"]}
	lines := []bana.LineInput{{VariantId: banhMi, Quantity: 3}, {VariantId: coffee, Quantity: 1, ModifierIds: &mods}}
	key := register + "-order"
	created, err := cashier.CreateOrderWithResponse(ctx, &bana.CreateOrderParams{IdempotencyKey: &key},
		bana.CreateOrder{MerchantId: d.MerchantID, Register: &register, Type: bana.CreateOrderTypeTAKEAWAY, Lines: &lines})
	if err := expect("create order", err, created.StatusCode(), http.StatusCreated, created.Body, created.JSON201 != nil); err != nil {
		return err
	}
	order := created.JSON201
	if len(order.Items) != 2 || order.Total <= 0 || order.Subtotal-order.DiscountTotal != order.Total {
		return fmt.Errorf("create order: %d items, subtotal %d, discount %d, total %d", len(order.Items), order.Subtotal,
			order.DiscountTotal, order.Total)
	}

	// Checkout, paying cash: 200,000 handed over.
	const tendered = 200_000
	if order.Total > tendered {
		return fmt.Errorf("the order's total %d is more than the cash handed over", order.Total)
	}
	tenders := []bana.Tender{{Method: bana.TenderMethodCASH, Amount: order.Total, Tendered: ptr(int64(tendered))}}
	payKey := register + "-pay"
	paid, err := cashier.CheckoutOrderWithResponse(ctx, order.Id, &bana.CheckoutOrderParams{IdempotencyKey: &payKey},
		bana.CheckoutInput{Tenders: &tenders})
	if err := expect("checkout", err, paid.StatusCode(), http.StatusOK, paid.Body, paid.JSON200 != nil); err != nil {
		return err
	}
	if paid.JSON200.Status != bana.OrderViewStatusPAID || paid.JSON200.PaidTotal != order.Total || len(paid.JSON200.Payments) != 1 {
		return fmt.Errorf("checkout: status %s, paid %d of %d, %d payments", paid.JSON200.Status, paid.JSON200.PaidTotal,
			order.Total, len(paid.JSON200.Payments))
	}
	if p := paid.JSON200.Payments[0]; p.ChangeDue != tendered-order.Total || p.Method != bana.PaymentMethodCASH {
		return fmt.Errorf("checkout: a %s payment with %d change, want CASH with %d", p.Method, p.ChangeDue, tendered-order.Total)
	}
	if paid.JSON200.Pricing == nil || paid.JSON200.Pricing.GrandTotal != order.Total {
		return errors.New("checkout: the order's pricing is not the quote of its total")
	}

	// Close the shift with the counted cash: the float and the sale. The Z-report is written.
	closed, err := cashier.CloseShiftWithResponse(ctx, shift.JSON201.Id, bana.CloseShiftInput{CountedCash: float + order.Total})
	if err := expect("close shift", err, closed.StatusCode(), http.StatusOK, closed.Body, closed.JSON200 != nil); err != nil {
		return err
	}
	s := closed.JSON200.Shift
	if s.Status != bana.ShiftStatusCLOSED || s.ExpectedCash == nil || *s.ExpectedCash != float+order.Total || s.Difference == nil || *s.Difference != 0 {
		return fmt.Errorf("close shift: status %s, expected cash %v, difference %v", s.Status, deref(s.ExpectedCash), deref(s.Difference))
	}
	z, err := owner.GetZReportWithResponse(ctx, closed.JSON200.ZReport.Id, nil)
	if err := expect("Z-report", err, z.StatusCode(), http.StatusOK, z.Body, z.JSON200 != nil); err != nil {
		return err
	}
	if z.JSON200.ShiftId != s.Id || z.JSON200.Number < 1 {
		return fmt.Errorf("Z-report %s: shift %s, number %d", z.JSON200.Id, z.JSON200.ShiftId, z.JSON200.Number)
	}
	fmt.Printf("walk: order %s (total %d đ) paid in cash, change %d đ; shift %s closed, Z-report %d\n",
		order.Id, order.Total, tendered-order.Total, register, z.JSON200.Number)
	return nil
}

// expect checks a generated client's answer: no transport error, the documented status, and a
// body decoded into the documented type.
func expect(what string, err error, status, want int, body []byte, decoded bool) error {
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	case status != want:
		return fmt.Errorf("%s: status %d, want %d: %s", what, status, want, body)
	case !decoded:
		return fmt.Errorf("%s: the body is not the documented type: %s", what, body)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
