package asset

import (
	"context"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
)

// purge is the job that removes a row's objects: at once after a hard delete (the row is gone
// in the same transaction that inserted the job), or after the retention period of a soft
// delete (when the row is still deleted then: a restore keeps its objects). It carries the
// object names, so a retry after the row is gone still removes them; removing an absent object
// is no error, so a repeat does nothing.
type purge struct {
	AssetID id.ID       `json:"assetId"`
	Bucket  string      `json:"bucket"`
	Objects []string    `json:"objects"`
	Storage StorageType `json:"storage"`
	// DueAt, for a soft delete, is when the retention ends, by the module's clock; DeletedAt
	// is the deletion it is the purge of (a row restored and deleted again is purged by the
	// later deletion's job).
	DueAt     *time.Time `json:"dueAt,omitempty"`
	DeletedAt *time.Time `json:"deletedAt,omitempty"`
}

// Kind is the River job kind.
func (purge) Kind() string { return "asset.purge" }

// InsertOpts puts the job on the module's queue.
func (purge) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// deletePrincipal is the job that hard-deletes a principal's rows (each row's objects then go by
// a purge job of their own).
type deletePrincipal struct {
	OrganizerID   id.ID  `json:"organizerId"`
	PrincipalType string `json:"principalType"`
	PrincipalID   id.ID  `json:"principalId"`
}

// Kind is the River job kind.
func (deletePrincipal) Kind() string { return "asset.delete-principal" }

// InsertOpts puts the job on the module's queue.
func (deletePrincipal) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// deleted is the rows' Delete hook: it inserts the purge of the row's objects in the deleting
// transaction, due at once for a hard delete and after the retention for a soft one.
func (m *Module) deleted(ctx context.Context, before, after *MetaLink) error {
	job := purge{AssetID: before.ID, Bucket: before.BucketName, Objects: before.Objects(), Storage: before.StorageType}
	opts := &river.InsertOpts{Queue: Queue}
	if after != nil {
		due := m.clock.Now().Add(m.limits.Retention)
		job.DueAt, job.DeletedAt, opts.ScheduledAt = &due, after.DeletedAt, due
	}
	_, err := m.jobs.Insert(ctx, job, opts)
	return err
}

type purgeWorker struct {
	river.WorkerDefaults[purge]
	m *Module
}

// Work removes the objects, and the soft-deleted row once its retention is over.
func (w *purgeWorker) Work(ctx context.Context, job *river.Job[purge]) error {
	ctx = auth.System(ctx)
	a := job.Args
	if a.DueAt != nil {
		if now := w.m.clock.Now(); now.Before(*a.DueAt) {
			// River schedules by the wall clock; the module's clock decides.
			return river.JobSnooze(a.DueAt.Sub(now))
		}
		row, err := w.m.links.Get(ctx, a.AssetID, query.IncludeDeleted)
		switch {
		case errs.KindOf(err) == errs.NotFound:
			// Removed by an earlier try of this job, or hard-deleted (whose purge removes the
			// objects too; removing them twice does nothing).
		case err != nil:
			return err
		case row.DeletedAt == nil:
			return nil // restored: it keeps its objects
		case a.DeletedAt != nil && !row.DeletedAt.Equal(*a.DeletedAt):
			return nil // restored and deleted again: the later deletion's job purges it
		default:
			n, err := w.m.store.removeDeleted(ctx, a.AssetID)
			if err != nil {
				return err
			}
			if n == 0 {
				return nil // restored meanwhile
			}
		}
	}
	if a.Storage != w.m.storage.Type() {
		w.m.log.WarnContext(ctx, "asset: objects of another storage backend are not removed", "asset", a.AssetID, "storage", a.Storage)
		return nil
	}
	for _, o := range a.Objects {
		if err := w.m.storage.Delete(ctx, a.Bucket, o); err != nil {
			return err
		}
	}
	return nil
}

// deletePrincipalJob hard-deletes the principal's rows, deleted or not; their purges follow.
func (m *Module) deletePrincipalJob(ctx context.Context, a deletePrincipal) error {
	n, err := m.links.DeleteWhere(ctx, map[string]any{"organizerId": a.OrganizerID.String(),
		"principalType": a.PrincipalType, "principalId": a.PrincipalID.String()}, true)
	if err == nil && n > 0 {
		m.log.InfoContext(ctx, "asset: a principal's objects are deleted", "principalType", a.PrincipalType, "principal", a.PrincipalID, "rows", n)
	}
	return err
}
