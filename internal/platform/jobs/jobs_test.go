package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

type tick struct {
	Name string `json:"name"`
}

func (tick) Kind() string { return "test.tick" }

type tickWorker struct {
	river.WorkerDefaults[tick]
	ran  chan string
	fail atomic.Int32 // fail while > 0
}

func (w *tickWorker) Work(ctx context.Context, j *river.Job[tick]) error {
	if w.fail.Add(-1) >= 0 {
		return errors.New("nope")
	}
	w.ran <- j.Args.Name
	return nil
}

type fast struct{}

func (fast) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

func setup(t *testing.T, d *db.DB, maxAttempts int) (*jobs.Client, *tickWorker) {
	t.Helper()
	c := jobs.New(d, jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), FetchPollInterval: 20 * time.Millisecond,
		RetryPolicy: fast{}, MaxAttempts: maxAttempts})
	c.AddQueue("sale", true) // a module's queue
	w := &tickWorker{ran: make(chan string, 100)}
	jobs.Register(c, w)
	m, _ := db.NewMigrator(d, c.Migrations())
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, w
}

func start(t *testing.T, c *jobs.Client) {
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
}

func waitRun(t *testing.T, w *tickWorker, want string) {
	t.Helper()
	select {
	case got := <-w.ran:
		if got != want {
			t.Fatalf("ran %s, want %s", got, want)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s never ran", want)
	}
}

func TestScheduledUniqueAndRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c, w := setup(t, d, 3)
		// Scheduled: not before its time.
		at := time.Now().Add(700 * time.Millisecond)
		if _, err := c.Insert(ctx, tick{Name: "later"}, &river.InsertOpts{ScheduledAt: at, Queue: "sale"}); err != nil {
			t.Fatal(err)
		}
		// Unique: the second insert of the same args is skipped.
		opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
		r1, err := c.Insert(ctx, tick{Name: "once"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := c.Insert(ctx, tick{Name: "once"}, opts)
		if err != nil || !r2.UniqueSkippedAsDuplicate || r2.Job.ID != r1.Job.ID {
			t.Fatalf("unique insert: %+v %v", r2, err)
		}
		start(t, c)
		waitRun(t, w, "once")
		waitRun(t, w, "later")
		if time.Now().Before(at) {
			t.Fatal("scheduled job ran early")
		}
		// Retried with backoff until it succeeds.
		w.fail.Store(2)
		if _, err := c.Insert(ctx, tick{Name: "flaky"}, nil); err != nil {
			t.Fatal(err)
		}
		waitRun(t, w, "flaky")
		// River records completions asynchronously, in batches.
		deadline := time.Now().Add(10 * time.Second)
		for {
			list, err := c.List(ctx, "", "completed", "test.tick", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 3 {
				if list[0].Attempt != 3 || list[0].Kind != "test.tick" {
					t.Fatalf("flaky job: %+v", list[0])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d completed", len(list))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestDiscardedJobsAreKeptAndRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c, w := setup(t, d, 2)
		w.fail.Store(2) // fails both attempts
		res, err := c.Insert(ctx, tick{Name: "doomed"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		start(t, c)
		deadline := time.Now().Add(15 * time.Second)
		for {
			list, _ := c.List(ctx, "", "discarded", "", 10)
			if len(list) == 1 {
				if list[0].ID != res.Job.ID || len(list[0].Errors) != 2 {
					t.Fatalf("discarded job: %+v", list[0])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("job not discarded")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := c.Retry(ctx, res.Job.ID); err != nil {
			t.Fatal(err)
		}
		waitRun(t, w, "doomed")
		if _, err := c.Retry(ctx, 999999); err == nil {
			t.Fatal("retry of a missing job succeeded")
		}
	})
}

func TestPeriodic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c, w := setup(t, d, 3)
		c.Periodic(100*time.Millisecond, func() river.JobArgs { return tick{Name: "beat"} }, nil, true)
		start(t, c)
		waitRun(t, w, "beat")
		waitRun(t, w, "beat")
	})
}
