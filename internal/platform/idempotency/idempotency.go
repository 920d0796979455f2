// Package idempotency makes a POST with money or stock effects happen once per Idempotency-Key:
// the key, a hash of the request and the response are stored in the same transaction as the
// effect. A repeat with the same key and request returns the first response; with a different
// request it is a 409. A failed request stores nothing, so it can be retried with its key.
// Concurrent repeats wait for the first (PostgreSQL blocks the second insert on the key; SQLite
// has one writer) and then replay it.
package idempotency

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Keep is how long keys are remembered (a retrying terminal gives up long before).
const Keep = 7 * 24 * time.Hour

// MaxKeyLength bounds the header.
const MaxKeyLength = 200

// Store remembers keys.
type Store struct {
	db *db.DB
}

// New returns a store and registers its daily purge of old keys.
func New(d *db.DB, j *jobs.Client) *Store {
	s := &Store{db: d}
	if j != nil {
		jobs.Register(j, &purgeWorker{s: s})
		j.Periodic(time.Hour, func() river.JobArgs { return purgeArgs{} }, &river.InsertOpts{Queue: jobs.QueueDefault,
			UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}, false)
	}
	return s
}

// Migrations returns the key table.
func (s *Store) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "idempotency", Schema: "public", FS: sub}
}

// ErrKeyReused is a 409: the key was used with another request.
var ErrKeyReused = errs.New(errs.Conflict, "Idempotency-Key was already used with a different request")

// Scope returns the key scope of the caller for an operation: keys of different callers or
// operations never collide.
func Scope(ctx context.Context, operation string) string {
	p := auth.From(ctx)
	if p == nil {
		return operation + ":anonymous"
	}
	return operation + ":" + p.OrganizerID.String() + ":" + p.UserID.String()
}

// Do runs fn once per (scope, key). With an empty key it just runs fn in a transaction. The
// request is any JSON-encodable value identifying the request (usually the body and path
// parameters); out is the operation's output, stored as JSON and decoded again on a replay.
// replayed tells whether the stored response was returned.
func Do[O any](ctx context.Context, s *Store, scope, key string, request any, fn func(ctx context.Context) (*O, error)) (out *O, replayed bool, err error) {
	if len(key) > MaxKeyLength {
		return nil, false, errs.Field("header.Idempotency-Key", "is longer than 200 characters", nil)
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if key == "" {
			out, err = fn(ctx)
			return err
		}
		raw, err := json.Marshal(request)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		hash := hex.EncodeToString(sum[:])
		q := s.db.Raw(ctx, true)
		res, err := q.ExecContext(ctx, s.db.Rebind(
			"INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) VALUES (?, ?, ?, '', ?) ON CONFLICT DO NOTHING"),
			scope, key, hash, time.Now().UTC())
		if err != nil {
			return db.Classify(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var storedHash, response string
			if err := q.QueryRowContext(ctx, s.db.Rebind("SELECT request_hash, response FROM idempotency_keys WHERE scope = ? AND key = ?"),
				scope, key).Scan(&storedHash, &response); err != nil {
				return db.Classify(err)
			}
			if storedHash != hash {
				return ErrKeyReused
			}
			out = new(O)
			if err := json.Unmarshal([]byte(response), out); err != nil {
				return err
			}
			replayed = true
			return nil
		}
		if out, err = fn(ctx); err != nil {
			return err
		}
		stored, err := json.Marshal(out)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, s.db.Rebind("UPDATE idempotency_keys SET response = ? WHERE scope = ? AND key = ?"), string(stored), scope, key)
		return db.Classify(err)
	})
	if err != nil {
		return nil, false, err
	}
	return out, replayed, nil
}

type purgeArgs struct{}

func (purgeArgs) Kind() string { return "idempotency.purge" }

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	s *Store
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[purgeArgs]) error {
	_, err := w.s.db.Raw(ctx, true).ExecContext(ctx, w.s.db.Rebind("DELETE FROM idempotency_keys WHERE created_at < ?"), time.Now().UTC().Add(-Keep))
	return err
}
