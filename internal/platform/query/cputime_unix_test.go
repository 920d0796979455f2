//go:build unix

package query

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used: a benchmark on a machine shared with other
// work reads its cost from it, as the wall clock also counts the time others had the CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
