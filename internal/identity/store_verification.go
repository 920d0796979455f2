package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

const verificationColumns = `id, user_id, email, code_hash, code_expires_at, attempts, token_hash, token_expires_at,
	sends, window_started_at, last_sent_at, locked_until, verified_at`

// verificationByEmail reads the verification row of an address, locked for the transaction of
// ctx; nil when there is none.
func (m *Module) verificationByEmail(ctx context.Context, email string) (*verificationRow, error) {
	return m.loadVerification(ctx, "email = ?", email)
}

// verificationByID reads one verification row, locked; nil when there is none.
func (m *Module) verificationByID(ctx context.Context, rowID id.ID) (*verificationRow, error) {
	return m.loadVerification(ctx, "id = ?", int64(rowID))
}

// verificationByToken reads the verification row of a link token's hash, locked; nil when there
// is none.
func (m *Module) verificationByToken(ctx context.Context, hash string) (*verificationRow, error) {
	return m.loadVerification(ctx, "token_hash = ?", hash)
}

func (m *Module) loadVerification(ctx context.Context, where string, arg any) (*verificationRow, error) {
	q := "SELECT " + verificationColumns + " FROM mail_verifications WHERE " + where
	if m.db.Dialect == db.Postgres {
		q += " FOR UPDATE"
	}
	var r verificationRow
	var tokenHash sql.NullString
	var codeExp, tokenExp, window, last, locked, verified sql.NullTime
	err := m.queryRow(ctx, true, q, arg).Scan(&r.id, &r.userID, &r.email, &r.CodeHash, &codeExp, &r.Attempts, &tokenHash,
		&tokenExp, &r.Sends, &window, &last, &locked, &verified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.Classify(err)
	}
	r.TokenHash = tokenHash.String
	r.CodeExpiresAt, r.TokenExpiresAt, r.WindowStart = codeExp.Time.UTC(), tokenExp.Time.UTC(), window.Time.UTC()
	r.LastSentAt, r.LockedUntil = last.Time.UTC(), locked.Time.UTC()
	for _, t := range []*time.Time{&r.CodeExpiresAt, &r.TokenExpiresAt, &r.WindowStart, &r.LastSentAt, &r.LockedUntil} {
		if t.Year() <= 1 {
			*t = time.Time{}
		}
	}
	if verified.Valid {
		t := verified.Time.UTC()
		r.VerifiedAt = &t
	}
	return &r, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// saveVerification inserts a new row (isNew) or updates it.
func (m *Module) saveVerification(ctx context.Context, r *verificationRow, now time.Time) error {
	var verified any
	if r.VerifiedAt != nil {
		verified = r.VerifiedAt.UTC()
	}
	args := []any{int64(r.userID), r.email, r.CodeHash, nullTime(r.CodeExpiresAt), r.Attempts, nullString(r.TokenHash),
		nullTime(r.TokenExpiresAt), r.Sends, nullTime(r.WindowStart), nullTime(r.LastSentAt), nullTime(r.LockedUntil), verified, now}
	if r.isNew {
		_, err := m.exec(ctx, `INSERT INTO mail_verifications (user_id, email, code_hash, code_expires_at, attempts, token_hash,
			token_expires_at, sends, window_started_at, last_sent_at, locked_until, verified_at, updated_at, id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, int64(r.id), now)...)
		r.isNew = false
		return err
	}
	_, err := m.exec(ctx, `UPDATE mail_verifications SET user_id = ?, email = ?, code_hash = ?, code_expires_at = ?, attempts = ?,
		token_hash = ?, token_expires_at = ?, sends = ?, window_started_at = ?, last_sent_at = ?, locked_until = ?, verified_at = ?,
		updated_at = ? WHERE id = ?`, append(args, int64(r.id))...)
	return err
}
