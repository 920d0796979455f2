// Package idempotency makes a POST with money or stock effects happen once per Idempotency-Key:
// the key, a hash of the request and the response are stored in the same transaction as the
// effect. A repeat with the same key and request returns the first response; with a different
// request it is a 409. A failed request stores nothing, so it can be retried with its key.
// Concurrent repeats commit one effect: the others roll theirs back and replay it.
package idempotency

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	return db.Migrations{Module: "idempotency", Schema: "public", FS: db.MigrationFiles(migrationFS)}
}

// ErrKeyReused is a 409: the key was used with another request.
var ErrKeyReused = errs.New(errs.Conflict, "Idempotency-Key was already used with a different request")

// ReplayHeader is the response header of a replayed answer (Stripe's name, which POS clients
// already know); the API exposes it through CORS.
const ReplayHeader = "Idempotent-Replayed"

// Key is the Idempotency-Key request header: an operation with money or stock effects embeds it
// in its input.
type Key struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Repeat the request safely: the same key with the same request returns the first response and has no second effect; with another request, 409. Keys are scoped per caller and operation."`
}

// Response is the answer of an operation run with Run: its status, the replay header and the
// body. It is stored as JSON, status included, so a replay answers as the first response did.
type Response[B any] struct {
	Status   int
	Replayed string `json:"-" header:"Idempotent-Replayed" doc:"true when this is the stored answer of an earlier request with the same Idempotency-Key"`
	Body     B
}

// Run is the one Idempotency-Key wrapper of every module's HTTP operations: it runs fn at most
// once per (caller, operation, key), in one transaction with the stored answer, and answers
// with fn's body and status, or with the stored answer and the replay header on a repeat.
// operation names the route ("POST /sale-orders"); request is what identifies the request (the
// body and path parameters): the same key with another request is a 409.
func Run[B any](ctx context.Context, s *Store, operation, key string, request any, status int, fn func(ctx context.Context) (B, error)) (*Response[B], error) {
	out, replayed, err := Do(ctx, s, Scope(ctx, operation), key, request, func(ctx context.Context) (*Response[B], error) {
		b, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		return &Response[B]{Status: status, Body: b}, nil
	})
	if err != nil {
		return nil, err
	}
	if replayed {
		out.Replayed = "true"
	}
	return out, nil
}

// Scope returns the key scope of the caller for an operation (the one rule): keys are scoped
// per caller (organizer and user, or device) and per operation, so keys of different callers or
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
//
// When Do owns the transaction (ctx carries none), the key is written once, with the response,
// after fn: one statement per request. A repeat that finds the key taken, by an earlier request
// or by a concurrent one that committed first, rolls its own work back and answers with the
// stored response; so does a repeat whose fn fails because the first already happened (an
// order already paid). Inside a caller's transaction, which Do cannot roll back alone, the key
// is reserved before fn runs and the response stored after it.
func Do[O any](ctx context.Context, s *Store, scope, key string, request any, fn func(ctx context.Context) (*O, error)) (out *O, replayed bool, err error) {
	if len(key) > MaxKeyLength {
		return nil, false, errs.Field("header.Idempotency-Key", "is longer than 200 characters", nil)
	}
	if key == "" {
		err = s.db.InTx(ctx, func(ctx context.Context) error {
			out, err = fn(ctx)
			return err
		})
		return out, false, err
	}
	raw, err := json.Marshal(request)
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if db.InTransaction(ctx) {
		return reserveFirst(ctx, s, scope, key, hash, fn)
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if out, err = fn(ctx); err != nil {
			return err
		}
		stored, err := json.Marshal(out)
		if err != nil {
			return err
		}
		res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(
			"INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
			scope, key, hash, string(stored), time.Now().UTC())
		if err != nil {
			return db.Classify(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errTaken // roll fn's work back: the key's first request has the answer
		}
		return nil
	})
	if err == nil {
		return out, false, nil
	}
	prev, found, lerr := s.lookup(ctx, scope, key)
	switch {
	case lerr != nil:
		return nil, false, lerr
	case !found && err == errTaken:
		return nil, false, errs.New(errs.Conflict, "Idempotency-Key is in use by another request; retry")
	case !found:
		return nil, false, err // fn failed and no request has the key: nothing stored, retry allowed
	}
	return replay[O](prev, hash)
}

// errTaken rolls back a request whose key a committed request already holds.
var errTaken = errs.New(errs.Conflict, "idempotency key taken")

type stored struct{ hash, response string }

// lookup reads a committed key.
func (s *Store) lookup(ctx context.Context, scope, key string) (stored, bool, error) {
	var st stored
	err := s.db.Raw(ctx, true).QueryRowContext(ctx, s.db.Rebind("SELECT request_hash, response FROM idempotency_keys WHERE scope = ? AND key = ?"),
		scope, key).Scan(&st.hash, &st.response)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, db.Classify(err)
	}
	return st, true, nil
}

// replay answers a repeat with the stored response, or 409 when the key came with another request.
func replay[O any](prev stored, hash string) (*O, bool, error) {
	if prev.hash != hash {
		return nil, false, ErrKeyReused
	}
	out := new(O)
	if err := json.Unmarshal([]byte(prev.response), out); err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// reserveFirst is Do inside a caller's transaction: the key is inserted before fn, so a
// concurrent repeat waits on it (PostgreSQL blocks the second insert; SQLite has one writer),
// and the response is stored after fn.
func reserveFirst[O any](ctx context.Context, s *Store, scope, key, hash string, fn func(ctx context.Context) (*O, error)) (*O, bool, error) {
	q := s.db.Raw(ctx, true)
	res, err := q.ExecContext(ctx, s.db.Rebind(
		"INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) VALUES (?, ?, ?, '', ?) ON CONFLICT DO NOTHING"),
		scope, key, hash, time.Now().UTC())
	if err != nil {
		return nil, false, db.Classify(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		prev, _, err := s.lookup(ctx, scope, key)
		if err != nil {
			return nil, false, err
		}
		return replay[O](prev, hash)
	}
	out, err := fn(ctx)
	if err != nil {
		return nil, false, err
	}
	resp, err := json.Marshal(out)
	if err != nil {
		return nil, false, err
	}
	_, err = q.ExecContext(ctx, s.db.Rebind("UPDATE idempotency_keys SET response = ? WHERE scope = ? AND key = ?"), string(resp), scope, key)
	return out, false, db.Classify(err)
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
