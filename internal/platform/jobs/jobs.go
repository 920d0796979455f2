// Package jobs runs BANA's background work on River: on SQLite (riversqlite, sharing the single
// write connection so a job is inserted in the same transaction as its cause) and on PostgreSQL
// (riverpgxv5 for working, riverdatabasesql for inserting inside the caller's bun transaction).
// Queues keep the design document's names; River's workers replace BullMQ's three partitions.
// Jobs can run at a time (scheduled), on a schedule (periodic), be unique, and retry with
// backoff up to a maximum; discarded jobs are kept for inspection.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// The platform's own queues. Every module names its queue (the document's queue type, e.g.
// "sale") in its Queues, and the application adds it with AddQueue before Start.
const (
	QueueDefault = river.QueueDefault // platform housekeeping (key purges)
	QueueEvents  = "events"           // event deliveries of subscribers without a queue of their own
)

// Options configure the client.
type Options struct {
	Logger *slog.Logger
	// WorkersPerQueue is each queue's concurrency (default 10 on PostgreSQL, 2 on SQLite).
	WorkersPerQueue int
	// MaxAttempts before a job is discarded (default 8).
	MaxAttempts int
	// FetchPollInterval is how often idle workers look for new jobs (default 200ms; SQLite has no
	// LISTEN/NOTIFY, so this bounds its pickup latency).
	FetchPollInterval time.Duration
	// ID names this process among several (default: River's).
	ID string
	// RetryPolicy decides the wait before a failed job's next attempt (default: River's
	// exponential backoff, attempt^4 seconds with jitter).
	RetryPolicy river.ClientRetryPolicy
	// RescueAfter is how long a job may stay running before River takes it for lost (the
	// process working it was killed) and makes it available again (default 6 minutes). A job
	// is cancelled at five sixths of it, so that a live one is not rescued.
	RescueAfter time.Duration
}

// Client inserts and works jobs.
type Client struct {
	db      *db.DB
	log     *slog.Logger
	opts    Options
	workers *river.Workers
	periods []*river.PeriodicJob
	// pg: worker works and inserts outside a transaction; txInserter inserts in *sql.Tx.
	pg         *river.Client[pgx.Tx]
	txInserter *river.Client[*sql.Tx]
	// sqlite: one client for everything.
	lite    *river.Client[*sql.Tx]
	started bool
	queues  map[string]bool // known queue -> worked in this process
}

// New prepares a client. Register workers and periodic jobs, then Start.
func New(d *db.DB, o Options) *Client {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 8
	}
	if o.WorkersPerQueue == 0 {
		o.WorkersPerQueue = 40
		if d.Dialect == db.SQLite {
			o.WorkersPerQueue = 2
		}
	}
	if o.FetchPollInterval == 0 {
		o.FetchPollInterval = 200 * time.Millisecond
	}
	if o.RescueAfter == 0 {
		o.RescueAfter = 6 * time.Minute
	}
	return &Client{db: d, log: o.Logger, opts: o, workers: river.NewWorkers(),
		queues: map[string]bool{QueueDefault: true, QueueEvents: true}}
}

// After is the wall-clock time d from now. River schedules jobs by the wall clock; a module
// that decides due times by its injected clock schedules the job at After(due - now).
func After(d time.Duration) time.Time { return time.Now().Add(d) }

// AddQueue makes a module's queue known; work says whether this process works its jobs (a
// module that serves elsewhere in a split deployment still inserts into its queue). Call
// before Start.
func (c *Client) AddQueue(name string, work bool) {
	c.queues[name] = c.queues[name] || work
}

// HasQueue reports whether the queue is known.
func (c *Client) HasQueue(name string) bool {
	_, ok := c.queues[name]
	return ok
}

// Queues lists the known queues, sorted.
func (c *Client) Queues() []string {
	out := make([]string, 0, len(c.queues))
	for q := range c.queues {
		out = append(out, q)
	}
	slices.Sort(out)
	return out
}

// Register adds a worker for jobs of type A. Call before Start.
func Register[A river.JobArgs](c *Client, w river.Worker[A]) {
	river.AddWorker(c.workers, w)
}

// Handle adds the worker for jobs of type A that only calls fn with the job's arguments, as the
// system: a job acts for no caller (auth.System). A worker that needs more of River (a timeout
// of its own, snoozing on the module's clock) implements river.Worker and is Registered.
func Handle[A river.JobArgs](c *Client, fn func(ctx context.Context, args A) error) {
	river.AddWorker(c.workers, river.WorkFunc(func(ctx context.Context, j *river.Job[A]) error {
		return fn(auth.System(ctx), j.Args)
	}))
}

// Periodic adds a job inserted every interval (leader-elected: once across processes).
func (c *Client) Periodic(every time.Duration, args func() river.JobArgs, opts *river.InsertOpts, runOnStart bool) {
	c.periods = append(c.periods, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args(), opts }, &river.PeriodicJobOpts{RunOnStart: runOnStart}))
}

func (c *Client) config(work bool) *river.Config {
	cfg := &river.Config{
		Logger:                      c.log.With("component", "river"),
		MaxAttempts:                 c.opts.MaxAttempts,
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
		CompletedJobRetentionPeriod: 24 * time.Hour,
		JobTimeout:                  c.opts.RescueAfter * 5 / 6,
		RescueStuckJobsAfter:        c.opts.RescueAfter,
		FetchPollInterval:           c.opts.FetchPollInterval,
		FetchCooldown:               min(c.opts.FetchPollInterval, 10*time.Millisecond),
		ID:                          c.opts.ID,
		RetryPolicy:                 c.opts.RetryPolicy,
	}
	if work {
		cfg.Workers = c.workers
		cfg.PeriodicJobs = c.periods
		cfg.Queues = map[string]river.QueueConfig{}
		for q, work := range c.queues {
			if work {
				cfg.Queues[q] = river.QueueConfig{MaxWorkers: c.opts.WorkersPerQueue}
			}
		}
	}
	if c.db.Dialect == db.SQLite {
		cfg.PollOnly = true
	}
	return cfg
}

func (c *Client) build(work bool) error {
	var err error
	if c.db.Dialect == db.Postgres {
		if c.pg, err = river.NewClient(riverpgxv5.New(c.db.Pool), c.config(work)); err != nil {
			return err
		}
		c.txInserter, err = river.NewClient(riverdatabasesql.New(c.db.W.DB), c.config(false))
		return err
	}
	c.lite, err = river.NewClient(riversqlite.New(c.db.W.DB), c.config(work))
	return err
}

// Start begins working every queue. Without Start the client only inserts.
func (c *Client) Start(ctx context.Context) error {
	if err := c.build(true); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	c.started = true
	ctx = db.Background(ctx) // River's polls and the jobs it works are not a request's statements
	if c.pg != nil {
		return c.pg.Start(ctx)
	}
	return c.lite.Start(ctx)
}

// InsertOnly prepares the client to insert without working (for commands and tests).
func (c *Client) InsertOnly() error {
	if c.pg != nil || c.lite != nil {
		return nil
	}
	return c.build(false)
}

// Stop lets running jobs finish within ctx's deadline, then cancels them.
func (c *Client) Stop(ctx context.Context) error {
	if !c.started {
		return nil
	}
	var err error
	if c.pg != nil {
		if err = c.pg.Stop(ctx); errors.Is(err, context.DeadlineExceeded) {
			err = c.pg.StopAndCancel(context.Background())
		}
	} else if err = c.lite.Stop(ctx); errors.Is(err, context.DeadlineExceeded) {
		err = c.lite.StopAndCancel(context.Background())
	}
	return err
}

func (c *Client) ready() error {
	if c.pg == nil && c.lite == nil {
		return c.build(false)
	}
	return nil
}

// Insert enqueues a job in the transaction carried by ctx, or on its own when there is none:
// a rolled-back transaction enqueues nothing.
func (c *Client) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	tx, inTx := db.Tx(ctx)
	var res *rivertype.JobInsertResult
	var err error
	switch {
	case c.lite != nil && inTx:
		res, err = c.lite.InsertTx(ctx, tx, args, opts)
	case c.lite != nil:
		// The single write connection: take it through a transaction of our own.
		err = c.db.InTx(ctx, func(ctx context.Context) error {
			tx, _ := db.Tx(ctx)
			res, err = c.lite.InsertTx(ctx, tx, args, opts)
			return err
		})
	case inTx:
		res, err = c.txInserter.InsertTx(ctx, tx, args, opts)
	default:
		res, err = c.pg.Insert(ctx, args, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %s: %w", args.Kind(), db.Classify(err))
	}
	return res, nil
}

// Migrations returns River's own schema as a migration step of the "jobs" module.
func (c *Client) Migrations() db.Migrations {
	migrate := func(dir rivermigrate.Direction) func(ctx context.Context, d *db.DB) error {
		return func(ctx context.Context, d *db.DB) error {
			opts := &rivermigrate.MigrateOpts{}
			if dir == rivermigrate.DirectionDown {
				opts.TargetVersion = -1
			}
			if d.Dialect == db.Postgres {
				m, err := rivermigrate.New(riverpgxv5.New(d.Pool), nil)
				if err != nil {
					return err
				}
				_, err = m.Migrate(ctx, dir, opts)
				return err
			}
			m, err := rivermigrate.New(riversqlite.New(d.W.DB), nil)
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, dir, opts)
			return err
		}
	}
	return db.Migrations{Module: "jobs", Steps: []db.Step{{Version: 1, Name: "river", NoTx: true,
		Up: migrate(rivermigrate.DirectionUp), Down: migrate(rivermigrate.DirectionDown)}}}
}

// Job is a job as the admin API shows it.
type Job struct {
	ID          int64      `json:"id,string"`
	Kind        string     `json:"kind"`
	Queue       string     `json:"queue"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"maxAttempts"`
	Args        []byte     `json:"-"`
	ArgsJSON    any        `json:"args"`
	Errors      []string   `json:"errors,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	ScheduledAt time.Time  `json:"scheduledAt"`
	FinalizedAt *time.Time `json:"finalizedAt,omitempty"`
	Tags        []string   `json:"tags,omitempty"`
}

// States a job can be in, as River names them.
var States = []string{"available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded", "pending"}

func fromRow(r *rivertype.JobRow) Job {
	j := Job{ID: r.ID, Kind: r.Kind, Queue: r.Queue, State: string(r.State), Attempt: r.Attempt,
		MaxAttempts: r.MaxAttempts, Args: r.EncodedArgs, CreatedAt: r.CreatedAt.UTC(), ScheduledAt: r.ScheduledAt.UTC(),
		FinalizedAt: r.FinalizedAt, Tags: r.Tags}
	for _, e := range r.Errors {
		j.Errors = append(j.Errors, fmt.Sprintf("attempt %d at %s: %s", e.Attempt, e.At.UTC().Format(time.RFC3339), e.Error))
	}
	return j
}

// Oldest returns the oldest job of the kind on the queue that is available or running, or nil:
// a module that must not act on an event before the events published ahead of it are handled
// asks it for the oldest one still in hand.
func (c *Client) Oldest(ctx context.Context, queue, kind string) (*Job, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	p := river.NewJobListParams().First(1).OrderBy(river.JobListOrderByID, river.SortOrderAsc).Queues(queue).Kinds(kind).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning)
	var res *river.JobListResult
	var err error
	if c.pg != nil {
		res, err = c.pg.JobList(ctx, p)
	} else {
		res, err = c.lite.JobList(ctx, p)
	}
	if err != nil || len(res.Jobs) == 0 {
		return nil, db.Classify(err)
	}
	j := fromRow(res.Jobs[0])
	return &j, nil
}

// List returns jobs by queue, state and kind (empty means any), newest first.
func (c *Client) List(ctx context.Context, queue, state, kind string, limit int) ([]Job, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	p := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if queue != "" {
		p = p.Queues(queue)
	}
	if state != "" {
		p = p.States(rivertype.JobState(state))
	} else {
		p = p.States(rivertype.JobStates()...)
	}
	if kind != "" {
		p = p.Kinds(kind)
	}
	var res *river.JobListResult
	var err error
	if c.pg != nil {
		res, err = c.pg.JobList(ctx, p)
	} else {
		res, err = c.lite.JobList(ctx, p)
	}
	if err != nil {
		return nil, db.Classify(err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		out = append(out, fromRow(r))
	}
	return out, nil
}

// Retry makes a finished or failing job available again.
func (c *Client) Retry(ctx context.Context, jobID int64) (Job, error) {
	if err := c.ready(); err != nil {
		return Job{}, err
	}
	var r *rivertype.JobRow
	var err error
	if c.pg != nil {
		r, err = c.pg.JobRetry(ctx, jobID)
	} else {
		r, err = c.lite.JobRetry(ctx, jobID)
	}
	if err != nil {
		return Job{}, notFound(err)
	}
	return fromRow(r), nil
}

// Cancel cancels a job that has not finished.
func (c *Client) Cancel(ctx context.Context, jobID int64) (Job, error) {
	if err := c.ready(); err != nil {
		return Job{}, err
	}
	var r *rivertype.JobRow
	var err error
	if c.pg != nil {
		r, err = c.pg.JobCancel(ctx, jobID)
	} else {
		r, err = c.lite.JobCancel(ctx, jobID)
	}
	if err != nil {
		return Job{}, notFound(err)
	}
	return fromRow(r), nil
}

func notFound(err error) error {
	if errors.Is(err, rivertype.ErrNotFound) {
		return errNotFound
	}
	return db.Classify(err)
}

func decodeArgs(list []Job) []Job {
	for i := range list {
		var v any
		if json.Unmarshal(list[i].Args, &v) == nil {
			list[i].ArgsJSON = v
		}
	}
	return list
}
