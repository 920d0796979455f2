package inventory

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
)

// Idempotency remembers the first successful response to each Idempotency-Key, so that a client
// retrying a request with stock effects gets the same answer instead of a second effect. It knows
// nothing of inventory (a table name, a scope string, a request value and a function) so that it
// can move to the platform unchanged.
//
// The key's record is inserted in the same transaction as the effect: a concurrent request with
// the same key waits for that transaction (PostgreSQL's unique index; SQLite's single writer) and
// then finds the stored response. Failed requests store nothing (their effect was rolled back),
// so a retry after a failure runs again.
type Idempotency struct {
	db    *db.DB
	table string
	retry func(ctx context.Context, fn func(ctx context.Context) error) error
}

// Replay is a stored response.
type Replay struct {
	Status int
	Body   []byte
}

// Idempotency-Key limits.
const (
	MaxIdempotencyKey   = 255
	IdempotencyRetained = 7 * 24 * time.Hour
)

// Do runs fn once per (scope, key) and request. The same key with the same request returns the
// stored status and body (replayed true); with a different request it is a Conflict (409). An
// empty key runs fn without a record. fn's body is stored as JSON.
func (i *Idempotency) Do(ctx context.Context, scope, key string, request any, fn func(ctx context.Context) (status int, body any, err error)) (Replay, bool, error) {
	run := func(ctx context.Context) (Replay, error) {
		st, body, err := fn(ctx)
		if err != nil {
			return Replay{}, err
		}
		raw, err := json.Marshal(body)
		return Replay{Status: st, Body: raw}, err
	}
	if key == "" {
		var out Replay
		err := i.retry(ctx, func(ctx context.Context) error {
			var err error
			out, err = run(ctx)
			return err
		})
		return out, false, err
	}
	if len(key) > MaxIdempotencyKey {
		return Replay{}, false, errs.Field("header.Idempotency-Key", "must be at most 255 characters", nil)
	}
	reqJSON, err := json.Marshal(request)
	if err != nil {
		return Replay{}, false, err
	}
	sum := sha256.Sum256(reqJSON)
	hash := hex.EncodeToString(sum[:])
	var out Replay
	replayed := false
	err = i.retry(ctx, func(ctx context.Context) error {
		replayed = false
		res, err := i.db.Raw(ctx, true).ExecContext(ctx, i.db.Rebind(`INSERT INTO `+i.table+
			` (scope, idempotency_key, request_hash, status, body, created_at) VALUES (?, ?, ?, 0, '', ?) ON CONFLICT DO NOTHING`),
			scope, key, hash, time.Now().UTC())
		if err != nil {
			return db.Classify(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var storedHash, body string
			var status int
			err := i.db.Raw(ctx, true).QueryRowContext(ctx, i.db.Rebind(`SELECT request_hash, status, body FROM `+i.table+
				` WHERE scope = ? AND idempotency_key = ?`), scope, key).Scan(&storedHash, &status, &body)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.Conflict, "a request with this Idempotency-Key is in progress; retry")
			}
			if err != nil {
				return db.Classify(err)
			}
			if storedHash != hash {
				return &errs.E{Kind: errs.Conflict, Message: "Idempotency-Key " + key + " was already used with a different request",
					Fields: []errs.FieldError{{Location: "header.Idempotency-Key", Message: "was already used with a different request", Value: key}}}
			}
			out, replayed = Replay{Status: status, Body: []byte(body)}, true
			return nil
		}
		if out, err = run(ctx); err != nil {
			return err
		}
		_, err = i.db.Raw(ctx, true).ExecContext(ctx, i.db.Rebind(`UPDATE `+i.table+` SET status = ?, body = ? WHERE scope = ? AND idempotency_key = ?`),
			out.Status, string(out.Body), scope, key)
		return db.Classify(err)
	})
	return out, replayed, err
}

// Purge deletes records older than the retention and counts them.
func (i *Idempotency) Purge(ctx context.Context, olderThan time.Time) (int64, error) {
	res, err := i.db.Raw(ctx, true).ExecContext(ctx, i.db.Rebind(`DELETE FROM `+i.table+` WHERE created_at < ?`), olderThan)
	if err != nil {
		return 0, db.Classify(err)
	}
	return res.RowsAffected()
}
