package jobs

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// TestRescueAfter: a job left running by a killed process is run again after RescueAfter (6
// minutes unless set, APP_ENV_JOBS_RESCUE_AFTER), and a live job is cancelled before that, at
// five sixths of it, so that River never rescues a job that is still being worked. The whole
// path, with `bana serve` killed under load, is internal/app/killtest.
func TestRescueAfter(t *testing.T) {
	d := dbtest.Open(t, dbtest.Target{Name: "sqlite", Options: db.Options{SQLitePath: filepath.Join(t.TempDir(), "bana.db")}})
	cases := []struct {
		set, rescue, timeout time.Duration
	}{
		{0, 6 * time.Minute, 5 * time.Minute},
		{5 * time.Second, 5 * time.Second, 5 * time.Second * 5 / 6},
		{time.Hour, time.Hour, 50 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.set.String(), func(t *testing.T) {
			cfg := New(d, Options{RescueAfter: c.set}).config(true)
			if cfg.RescueStuckJobsAfter != c.rescue || cfg.JobTimeout != c.timeout {
				t.Fatalf("RescueAfter %s: rescue after %s, timeout %s; want %s and %s", c.set, cfg.RescueStuckJobsAfter, cfg.JobTimeout, c.rescue, c.timeout)
			}
			// River accepts it.
			if err := New(d, Options{RescueAfter: c.set}).build(true); err != nil {
				t.Fatal(err)
			}
		})
	}
}
