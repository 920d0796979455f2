package events_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

type paid struct {
	Amount int64 `json:"amount"`
}

func (paid) EventName() string { return "TestPaid" }
func (paid) EventVersion() int { return 1 }

var effectTable = db.Migrations{Module: "effects", FS: fstest.MapFS{"0001_effects.sql": {Data: []byte(`-- +up
CREATE TABLE test_effects (event_id BIGINT NOT NULL, subscriber TEXT NOT NULL, amount BIGINT NOT NULL);
-- +down
DROP TABLE test_effects;
`)}}}

type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

type harness struct {
	d    *db.DB
	jobs *jobs.Client
	bus  *events.Bus
	done chan string // subscriber names, after each handled commit
}

func newHarness(t *testing.T, d *db.DB, failFirst int) *harness {
	t.Helper()
	ids, _ := id.NewGenerator(1, id.DefaultEpoch)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := &harness{d: d, done: make(chan string, 1000)}
	h.jobs = jobs.New(d, jobs.Options{Logger: log, FetchPollInterval: 20 * time.Millisecond, RetryPolicy: fastRetry{}})
	h.jobs.AddQueue("finance", true) // a module's queue: "finance.*" subscribers run on it
	h.bus = events.New(d, h.jobs, ids, log)
	var failures atomic.Int32
	effect := func(sub string, fail bool) func(ctx context.Context, ev paid, m events.Meta) error {
		return func(ctx context.Context, ev paid, m events.Meta) error {
			if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO test_effects (event_id, subscriber, amount) VALUES (?, ?, ?)"), int64(m.ID), sub, ev.Amount); err != nil {
				return err
			}
			if fail && failures.Add(1) <= int32(failFirst) {
				return errors.New("temporary failure")
			}
			db.AfterCommit(ctx, func() { h.done <- sub })
			return nil
		}
	}
	events.Subscribe(h.bus, "finance.income", effect("finance.income", true))
	events.Subscribe(h.bus, "ledger.book", effect("ledger.book", false))
	m, err := db.NewMigrator(d, h.jobs.Migrations(), h.bus.Migrations(), effectTable)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) start(t *testing.T) {
	t.Helper()
	if err := h.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.jobs.Stop(ctx)
	})
}

func (h *harness) wait(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-h.done:
		case <-timeout:
			t.Fatalf("only %d of %d handlings arrived", i, n)
		}
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Raw(context.Background(), false).QueryRowContext(context.Background(), d.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRolledBackPublishDeliversNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, 0)
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := h.bus.Publish(ctx, paid{Amount: 1}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT count(*) FROM event_log"); n != 0 {
			t.Fatalf("%d events logged", n)
		}
		list, err := h.jobs.List(ctx, "", "", "", 100)
		if err != nil || len(list) != 0 {
			t.Fatalf("jobs after rollback: %v %v", list, err)
		}
		// A committed one is delivered to both subscribers.
		h.start(t)
		eid, err := h.bus.Publish(ctx, paid{Amount: 2})
		if err != nil {
			t.Fatal(err)
		}
		h.wait(t, 2)
		if n := count(t, d, "SELECT count(*) FROM test_effects WHERE event_id = ?", int64(eid)); n != 2 {
			t.Fatalf("%d effects", n)
		}
		if got := h.bus.Subscribers("TestPaid"); len(got) != 2 {
			t.Fatalf("subscribers %v", got)
		}
	})
}

func TestFailingHandlerRetriesAndActsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, 2)
		h.start(t)
		ctx := context.Background()
		eid, err := h.bus.Publish(ctx, paid{Amount: 35000})
		if err != nil {
			t.Fatal(err)
		}
		h.wait(t, 2)
		// The two failed attempts rolled their effect back with the receipt.
		if n := count(t, d, "SELECT count(*) FROM test_effects WHERE subscriber = 'finance.income' AND event_id = ?", int64(eid)); n != 1 {
			t.Fatalf("finance effect %d times", n)
		}
		ok, err := h.bus.Handled(ctx, "finance.income", eid)
		if err != nil || !ok {
			t.Fatalf("not marked handled: %v", err)
		}
		// A redelivery of the same event (at-least-once) changes nothing.
		if _, err := h.jobs.Insert(ctx, events.Delivery{EventID: eid, Name: "TestPaid", Version: 1, Subscriber: "finance.income",
			Payload: []byte(`{"amount":35000}`), OccurredAt: time.Now()}, &river.InsertOpts{Queue: "finance"}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			list, _ := h.jobs.List(ctx, "finance", "completed", "event.delivery", 10)
			if len(list) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redelivery not worked: %v", list)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n := count(t, d, "SELECT count(*) FROM test_effects WHERE subscriber = 'finance.income'"); n != 1 {
			t.Fatalf("redelivery acted again: %d effects", n)
		}
	})
}

// buildProbe compiles the probe program from the real platform packages.
func buildProbe(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "probe")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/probe").CombinedOutput()
	if err != nil {
		t.Fatalf("build probe: %v\n%s", err, out)
	}
	return bin
}

func probeEnv(tg dbtest.Target, worker int) []string {
	env := append(os.Environ(), fmt.Sprintf("PROBE_WORKER=%d", worker))
	if tg.Options.PostgresDSN != "" {
		return append(env, "PROBE_POSTGRES_URL="+tg.Options.PostgresDSN)
	}
	return append(env, "PROBE_SQLITE_PATH="+tg.Options.SQLitePath)
}

func TestKilledAfterCommitDeliversAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs subprocesses")
	}
	bin := buildProbe(t)
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			cmd := exec.Command(bin, "hang")
			cmd.Env = probeEnv(tg, 2)
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "committed ") {
				_ = cmd.Process.Kill()
				t.Fatalf("probe said %q, %v; stderr: %s", line, err, stderr.String())
			}
			_ = cmd.Process.Kill() // SIGKILL right after the commit
			_ = cmd.Wait()
			eid := strings.TrimSpace(strings.TrimPrefix(line, "committed "))

			work := exec.Command(bin, "work", "1")
			work.Env = probeEnv(tg, 3)
			if out, err := work.CombinedOutput(); err != nil || !strings.Contains(string(out), "done") {
				t.Fatalf("restart: %v %s", err, out)
			}
			d := dbtest.Open(t, tg)
			if n := count(t, d, "SELECT count(*) FROM probe_effects WHERE event_id = ?", eid); n != 1 {
				t.Fatalf("effect happened %d times", n)
			}
		})
	}
}

func TestTwoProcessesHandleEachEventOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs subprocesses")
	}
	bin := buildProbe(t)
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			const n = 200
			pub := exec.Command(bin, "publish", fmt.Sprint(n))
			pub.Env = probeEnv(tg, 4)
			if out, err := pub.CombinedOutput(); err != nil {
				t.Fatalf("publish: %v %s", err, out)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for w := 5; w <= 6; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					c := exec.Command(bin, "work", fmt.Sprint(n))
					c.Env = probeEnv(tg, w)
					if out, err := c.CombinedOutput(); err != nil {
						errs <- fmt.Errorf("worker %d: %v %s", w, err, out)
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			d := dbtest.Open(t, tg)
			if got := count(t, d, "SELECT count(*) FROM probe_effects"); got != n {
				t.Fatalf("%d effects for %d events", got, n)
			}
			if got := count(t, d, "SELECT count(DISTINCT event_id) FROM probe_effects"); got != n {
				t.Fatalf("%d distinct events handled of %d", got, n)
			}
			t.Logf("%s: workers handled %d events exactly once", tg.Name, n)
		})
	}
}
