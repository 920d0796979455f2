package app

import (
	"context"
	"strconv"

	"github.com/banapos/bana/internal/asset"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/module"
)

// assetWiring holds the asset module.
type assetWiring struct {
	Asset *asset.Module
}

// buildAsset builds the file storage: S3-compatible storage when APP_ENV_MINIO_HOST is set, else
// local disk under the data directory. It learns of deleted products from commerce's events.
func (a *App) buildAsset() (module.Module, error) {
	d := asset.Deps{Platform: a.Platform(), Deletions: []asset.DeletionSource{productDeletions}}
	if mc := a.Cfg.Minio; mc.Host != "" {
		s3, err := asset.NewS3(asset.S3Config{Endpoint: mc.Host + ":" + strconv.Itoa(mc.APIPort), AccessKey: mc.AccessKey,
			SecretKey: mc.SecretKey, UseSSL: mc.UseSSL, Bucket: mc.Bucket})
		if err != nil {
			return nil, err
		}
		d.Storage = s3
		a.Server.AddCheck(api.Check{Name: "storage", Ping: s3.Ping})
	}
	m, err := asset.New(d)
	if err != nil {
		return nil, err
	}
	a.Asset = m
	return m, nil
}

// productDeletions deletes a product's objects when commerce deletes the product (its
// ProductChanged DELETED without a variant).
func productDeletions(b *events.Bus, deleted func(ctx context.Context, p asset.Principal) error) {
	events.Subscribe(b, "asset.product-deleted", func(ctx context.Context, ev commerce.ProductChanged, _ events.Meta) error {
		if ev.Action != commerce.ActionDeleted || ev.VariantID != 0 {
			return nil
		}
		return deleted(ctx, asset.Principal{Type: asset.PrincipalProduct, ID: ev.ProductID, OrganizerID: ev.OrganizerID})
	})
}
