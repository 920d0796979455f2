package asset

import (
	"context"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// store is the module's SQL beyond its query.Table: the sealed key of the signed links.
type store struct {
	db *db.DB
}

// signingKey stores sealed as the signing key unless one is stored already, and returns the
// stored one: of several processes starting together, the first insert wins and all use it.
func (s *store) signingKey(ctx context.Context, sealed string, now time.Time) (string, error) {
	if _, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(
		"INSERT INTO asset_url_keys (id, sealed, created_at) VALUES ('current', ?, ?) ON CONFLICT DO NOTHING"), sealed, now); err != nil {
		return "", db.Classify(err)
	}
	var stored string
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, "SELECT sealed FROM asset_url_keys WHERE id = 'current'").Scan(&stored)
	return stored, db.Classify(err)
}

// removeDeleted removes a row that is still soft-deleted, and says whether it did (0: the row
// was restored, or is gone).
func (s *store) removeDeleted(ctx context.Context, assetID id.ID) (int64, error) {
	res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind("DELETE FROM meta_links WHERE id = ? AND deleted_at IS NOT NULL"), int64(assetID))
	if err != nil {
		return 0, db.Classify(err)
	}
	return res.RowsAffected()
}
