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

func (m *Module) registerJobs(j *jobs.Client) {
	jobs.Handle(j, func(ctx context.Context, _ purgeArgs) error {
		_, err := m.Purge(ctx)
		return err
	})
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
