package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// insertToken records a token identity issued, so that it can be revoked and dies with its user.
func (m *Module) insertToken(ctx context.Context, jti string, userID id.ID, kind string, merchant id.ID, issued, expires time.Time) error {
	var mer any
	if merchant != 0 {
		mer = int64(merchant)
	}
	_, err := m.exec(ctx, "INSERT INTO access_tokens (jti, user_id, kind, merchant_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		jti, int64(userID), kind, mer, issued, expires)
	return err
}

// revokeToken revokes one token. A token identity did not record is remembered as revoked until
// keepUntil, when any token would have expired.
func (m *Module) revokeToken(ctx context.Context, jti string, userID id.ID, now, keepUntil time.Time) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		n, err := m.exec(ctx, "UPDATE access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL", now, jti)
		if err != nil || n > 0 {
			return err
		}
		_, err = m.exec(ctx, "INSERT INTO access_tokens (jti, user_id, kind, issued_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			jti, int64(userID), tokenKindExternal, now, keepUntil, now)
		return err
	})
}

// revokeOtherTokens revokes every live token of the user but the one kept.
func (m *Module) revokeOtherTokens(ctx context.Context, userID id.ID, keep string, now time.Time) error {
	_, err := m.exec(ctx, "UPDATE access_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND jti <> ?",
		now, int64(userID), keep)
	return err
}

// tokenRevoked reads whether a token is dead: signed out, or (for a token identity issued) its
// user gone, blocked or deleted, or its employee record inactive or deleted. A token identity
// has no record of is alive.
func (m *Module) tokenRevoked(ctx context.Context, jti string) (bool, error) {
	var revoked bool
	err := m.queryRow(ctx, false, `SELECT t.revoked_at IS NOT NULL
			OR (t.kind <> ? AND (u.id IS NULL OR u.status <> ? OR u.deleted_at IS NOT NULL
				OR (e.id IS NOT NULL AND (e.status <> ? OR e.deleted_at IS NOT NULL))))
		FROM access_tokens t
		LEFT JOIN users u ON u.id = t.user_id
		LEFT JOIN employees e ON e.user_id = t.user_id
		WHERE t.jti = ?`, tokenKindExternal, StatusActive, StatusActive, jti).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return revoked, db.Classify(err)
}
