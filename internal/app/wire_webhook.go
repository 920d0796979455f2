package app

import (
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/webhook"
)

// webhookWiring holds the webhook module.
type webhookWiring struct {
	Webhook *webhook.Module
}

// buildWebhook builds the delivery of order and payment events to merchants' endpoints. It
// needs no other module: its sources are events on the bus. Endpoints are https only in
// production; private addresses only when APP_ENV_WEBHOOK_ALLOW_PRIVATE says so.
func (a *App) buildWebhook() (module.Module, error) {
	a.Webhook = webhook.New(webhook.Deps{Platform: a.Platform(), Options: webhook.Options{
		Policy:       webhook.Policy{RequireHTTPS: a.Cfg.Env == "production", AllowPrivate: a.Cfg.Webhook.AllowPrivate},
		Timeout:      a.Cfg.Webhook.Timeout,
		DisableAfter: a.Cfg.Webhook.DisableAfter,
	}})
	return a.Webhook, nil
}
