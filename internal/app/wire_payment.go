package app

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/configuration"
	"github.com/banapos/bana/internal/payment"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/sale"
)

// paymentWiring holds the payment module.
type paymentWiring struct {
	Payment *payment.Module
}

// buildPayment builds payment over sale (attempts and callbacks), configuration (the merchants'
// sealed provider settings) and commerce (whose merchant an id is), and registers its providers
// with sale.
func (a *App) buildPayment() (module.Module, error) {
	a.Payment = payment.New(payment.Deps{Platform: a.Platform(),
		Sale: paymentSale{a.Sale}, Credentials: paymentCredentials{a.Configuration}, Merchants: paymentMerchants{a.Commerce}})
	for _, p := range a.Payment.Providers() {
		a.Sale.AddProvider(saleProvider{p})
	}
	return a.Payment, nil
}

// saleProvider is one of payment's providers behind sale's Provider interface.
type saleProvider struct{ p payment.Provider }

func (s saleProvider) Name() string      { return s.p.Name() }
func (s saleProvider) Methods() []string { return s.p.Methods() }

func (s saleProvider) Start(ctx context.Context, at sale.Attempt) (sale.Instruction, error) {
	inst, err := s.p.Start(ctx, payment.Start{PaymentID: at.PaymentID, OrganizerID: at.OrganizerID, MerchantID: at.MerchantID, OrderID: at.OrderID,
		OrderNumber: at.OrderNumber, Method: at.Method, Amount: at.Amount, Reference: at.Reference, ExpiresAt: at.ExpiresAt})
	if err != nil {
		return sale.Instruction{}, err
	}
	return sale.Instruction{Data: inst.Data}, nil
}

type paymentSale struct{ s *sale.Module }

func (p paymentSale) Payment(ctx context.Context, provider, reference string) (payment.SalePayment, error) {
	pay, err := p.s.PaymentByReference(ctx, provider, reference)
	if errs.KindOf(err) == errs.NotFound {
		return payment.SalePayment{}, errs.Wrap(errs.NotFound, "no "+provider+" attempt "+reference, payment.ErrNoAttempt)
	}
	if err != nil {
		return payment.SalePayment{}, err
	}
	return payment.SalePayment{ID: pay.ID, OrganizerID: pay.OrganizerID, MerchantID: pay.MerchantID, OrderID: pay.OrderID, Provider: pay.Provider,
		Method: pay.Method, Status: pay.Status, Amount: pay.Amount, Refunded: pay.Refunded, Reference: pay.Reference, ExpiresAt: pay.ExpiresAt}, nil
}

func (p paymentSale) Apply(ctx context.Context, r payment.Report) (string, error) {
	res, err := p.s.ApplyCallback(ctx, sale.Callback{Provider: r.Provider, Reference: r.Reference, Succeeded: r.Succeeded, Amount: r.Amount,
		Detail: r.Detail, Payload: json.RawMessage(r.Payload)})
	return res.Outcome, err
}

type paymentCredentials struct{ c *configuration.Module }

func (p paymentCredentials) Secret(ctx context.Context, organizerID, merchantID id.ID, code string) (string, error) {
	s, err := p.c.Secret(ctx, organizerID, merchantID, code)
	if errors.Is(err, configuration.ErrSecretNotFound) {
		return "", errs.Wrap(errs.Rule, "no "+code, payment.ErrNotConfigured)
	}
	return s, err
}

type paymentMerchants struct{ c *commerce.Module }

func (p paymentMerchants) Organizer(ctx context.Context, merchantID id.ID) (id.ID, error) {
	m, err := p.c.Merchant(ctx, merchantID)
	if errs.KindOf(err) == errs.NotFound {
		return 0, errs.Wrap(errs.NotFound, "no merchant "+merchantID.String(), payment.ErrUnknownMerchant)
	}
	return m.OrganizerID, err
}
