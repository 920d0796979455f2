package identity

import (
	"context"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
)

// dbLimiter keeps counters in sign_in_throttles, one conditional upsert per attempt.
type dbLimiter struct {
	db    *db.DB
	clock clock.Clock
}

func (l *dbLimiter) Take(ctx context.Context, key string, lim Limit) (Decision, error) {
	now := l.clock.Now().UnixMilli()
	end := now + lim.Window.Milliseconds()
	var hits int
	var windowEnd int64
	err := l.db.Raw(ctx, true).QueryRowContext(ctx, l.db.Rebind(`INSERT INTO sign_in_throttles (bucket, hits, window_ends_at)
		VALUES (?, 1, ?)
		ON CONFLICT (bucket) DO UPDATE SET
			hits = CASE WHEN sign_in_throttles.window_ends_at <= ? THEN 1 ELSE sign_in_throttles.hits + 1 END,
			window_ends_at = CASE WHEN sign_in_throttles.window_ends_at <= ? THEN excluded.window_ends_at ELSE sign_in_throttles.window_ends_at END
		RETURNING hits, window_ends_at`), key, end, now, now).Scan(&hits, &windowEnd)
	if err != nil {
		return Decision{}, db.Classify(err)
	}
	return decide(hits, lim, time.Duration(windowEnd-now)*time.Millisecond), nil
}

func (l *dbLimiter) Give(ctx context.Context, key string) error {
	_, err := l.db.Raw(ctx, true).ExecContext(ctx, l.db.Rebind(
		"UPDATE sign_in_throttles SET hits = hits - 1 WHERE bucket = ? AND hits > 0"), key)
	return db.Classify(err)
}

func (l *dbLimiter) Clear(ctx context.Context, key string) error {
	_, err := l.db.Raw(ctx, true).ExecContext(ctx, l.db.Rebind("DELETE FROM sign_in_throttles WHERE bucket = ?"), key)
	return db.Classify(err)
}

func (l *dbLimiter) Peek(ctx context.Context, keys ...string) ([]Window, error) {
	out := make([]Window, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	now := l.clock.Now().UnixMilli()
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	// By the primary key only: the window's end is compared here, so that no plan reads the
	// index of ends (every live row) instead.
	rows, err := l.db.Raw(ctx, false).QueryContext(ctx, l.db.Rebind(`SELECT bucket, hits, window_ends_at FROM sign_in_throttles
		WHERE bucket IN (?`+strings.Repeat(", ?", len(keys)-1)+`)`), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var bucket string
		var hits int
		var end int64
		if err := rows.Scan(&bucket, &hits, &end); err != nil {
			return nil, db.Classify(err)
		}
		for i, k := range keys {
			if k == bucket && end > now {
				out[i] = Window{Hits: hits, Left: time.Duration(end-now) * time.Millisecond}
			}
		}
	}
	return out, db.Classify(rows.Err())
}
