package identity

import (
	"context"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
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

// Work purges as the system: a job has no caller.
func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[purgeArgs]) error {
	ctx = auth.System(ctx)
	_, err := w.m.Purge(ctx)
	return err
}

func (m *Module) registerJobs(j *jobs.Client) {
	jobs.Register(j, &purgeWorker{m: m})
	j.Periodic(time.Hour, func() river.JobArgs { return purgeArgs{} },
		&river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}, false)
}

// Purged counts what a purge deleted.
type Purged struct {
	Tokens, Throttles, Verifications int64
}

// Purge deletes expired token records, ended throttle windows, and verification rows whose code,
// link, lockout and resend window have all passed without a verification.
func (m *Module) Purge(ctx context.Context) (Purged, error) {
	now := m.now()
	// An hour past the resend window, a row's limits no longer hold anything back.
	return m.purgeExpired(ctx, now, now.Add(-ResendWindow-time.Hour))
}
