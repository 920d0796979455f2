// Command probe is a small program built from the real platform packages (db, jobs, events) for
// the crash and multi-process tests of package events: it publishes events, or works them with a
// subscriber whose effect is a row per handling, so a test can count effects.
//
//	probe publish N   publish N events, one transaction each, printing "committed <id>" after each
//	probe hang        publish 1 event, print "committed <id>", then wait to be killed
//	probe work N      work deliveries until N effects exist in total, then print "done"
//
// The database comes from PROBE_POSTGRES_URL or PROBE_SQLITE_PATH.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing/fstest"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
)

type probed struct {
	Seq int `json:"seq"`
}

func (probed) EventName() string { return "Probed" }
func (probed) EventVersion() int { return 1 }

var effects = db.Migrations{Module: "probe", FS: fstest.MapFS{"0001_probe.sql": {Data: []byte(`-- +up
CREATE TABLE probe_effects (event_id BIGINT NOT NULL, seq INTEGER NOT NULL, worker TEXT NOT NULL);
-- +down
DROP TABLE probe_effects;
`)}}}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	opts := db.Options{PostgresDSN: os.Getenv("PROBE_POSTGRES_URL"), SQLitePath: os.Getenv("PROBE_SQLITE_PATH"), MaxConns: 10}
	d, err := db.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	worker, _ := strconv.Atoi(os.Getenv("PROBE_WORKER"))
	ids, err := id.NewGenerator(int64(worker), id.DefaultEpoch)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PROBE_VERBOSE") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	jc := jobs.New(d, jobs.Options{Logger: log, FetchPollInterval: 50 * time.Millisecond, ID: "probe-" + strconv.Itoa(worker)})
	bus := events.New(d, jc, ids, log)
	name := "probe-" + strconv.Itoa(os.Getpid())
	events.Subscribe(bus, "probe.effect", func(ctx context.Context, ev probed, m events.Meta) error {
		_, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO probe_effects (event_id, seq, worker) VALUES (?, ?, ?)"), int64(m.ID), ev.Seq, name)
		return err
	})
	m, err := db.NewMigrator(d, jc.Migrations(), bus.Migrations(), effects)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	n := 1
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	switch os.Args[1] {
	case "publish", "hang":
		for i := 0; i < n; i++ {
			eid, err := bus.Publish(ctx, probed{Seq: i})
			if err != nil {
				return err
			}
			fmt.Println("committed", eid)
		}
		if os.Args[1] == "hang" {
			time.Sleep(time.Minute)
		}
		return nil
	case "work":
		if err := jc.Start(ctx); err != nil {
			return err
		}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			var c int
			if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT count(*) FROM probe_effects").Scan(&c); err != nil {
				return err
			}
			if c >= n {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = jc.Stop(sctx)
		fmt.Println("done")
		return nil
	}
	return fmt.Errorf("unknown mode %q", os.Args[1])
}
