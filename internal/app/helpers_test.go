package app_test

import (
	"strconv"
	"time"

	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
)

type riverOpts struct{}

func (riverOpts) at(d time.Duration) *river.InsertOpts {
	return &river.InsertOpts{Queue: jobs.QueueEvents, ScheduledAt: time.Now().Add(d)}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
