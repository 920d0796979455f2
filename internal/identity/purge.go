package identity

import (
	"context"
	"time"

	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
)

// purgeArgs is the hourly job that deletes what no rule needs any more.
type purgeArgs struct{}

// Kind is the River job kind.
func (purgeArgs) Kind() string { return "identity.purge" }

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	m *Module
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[purgeArgs]) error {
	_, err := w.m.Purge(ctx)
	return err
}

func (m *Module) registerJobs(j *jobs.Client) {
	jobs.Register(j, &purgeWorker{m: m})
	j.Periodic(time.Hour, func() river.JobArgs { return purgeArgs{} },
		&river.InsertOpts{Queue: jobs.QueueIdentity, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}, false)
}

// Purged counts what a purge deleted.
type Purged struct {
	Tokens, Throttles, Verifications int64
}

// Purge deletes expired token records, ended throttle windows, and verification rows whose code,
// link, lockout and resend window have all passed without a verification.
func (m *Module) Purge(ctx context.Context) (Purged, error) {
	now := m.now()
	var p Purged
	var err error
	if p.Tokens, err = m.exec(ctx, "DELETE FROM access_tokens WHERE expires_at < ?", now); err != nil {
		return p, err
	}
	if p.Throttles, err = m.exec(ctx, "DELETE FROM sign_in_throttles WHERE window_ends_at < ?", now.UnixMilli()); err != nil {
		return p, err
	}
	p.Verifications, err = m.exec(ctx, `DELETE FROM mail_verifications WHERE verified_at IS NULL AND last_sent_at < ?
		AND (locked_until IS NULL OR locked_until < ?)`, now.Add(-ResendWindow-time.Hour), now)
	return p, err
}
