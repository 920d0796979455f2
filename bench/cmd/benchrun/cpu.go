package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/bench/benchkit"
)

// postgresCPU returns the CPU time used so far by every process named postgres (the server and
// its backends), by process id.
func postgresCPU() map[int]time.Duration {
	out := map[int]time.Duration{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open || s[open+1:closing] != "postgres" {
			continue
		}
		if d, err := benchkit.ParseStatCPU(s); err == nil {
			out[pid] = d
		}
	}
	return out
}

// cpuSnapshot is the CPU time used so far by the server, the load generator, PostgreSQL and the
// whole machine.
type cpuSnapshot struct {
	at           time.Time
	server, load time.Duration
	postgres     map[int]time.Duration
	busy, total  time.Duration
}

// snapshot reads the CPU times of server (0: none) and of the load generator (loadPid; 0: this
// process).
func snapshot(server, loadPid int) cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), postgres: postgresCPU()}
	if loadPid == 0 {
		s.load = benchkit.SelfCPU()
	} else {
		s.load, _ = benchkit.ProcessCPU(loadPid)
	}
	if server > 0 {
		s.server, _ = benchkit.ProcessCPU(server)
	}
	s.busy, s.total, _ = benchkit.MachineCPU()
	return s
}

// cpuUse is how many cores each party used on average between two snapshots.
type cpuUse struct {
	Server, LoadGen, Postgres, Other, Machine float64 // cores
}

func cpuBetween(a, b cpuSnapshot) cpuUse {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 {
		return cpuUse{}
	}
	var pg time.Duration
	for pid, t := range b.postgres {
		// A backend that started between the snapshots counts whole; one that ended is lost.
		pg += t - a.postgres[pid]
	}
	u := cpuUse{
		Server:   (b.server - a.server).Seconds() / wall,
		LoadGen:  (b.load - a.load).Seconds() / wall,
		Postgres: pg.Seconds() / wall,
	}
	if b.total > a.total {
		// /proc/stat adds up every core: scale the busy share back to cores.
		cores := float64(b.total-a.total) / float64(time.Second) / wall
		u.Machine = float64(b.busy-a.busy) / float64(b.total-a.total) * cores
	}
	u.Other = max(0, u.Machine-u.Server-u.LoadGen-u.Postgres)
	return u
}

// quietThreshold is the CPU (cores) other processes may use before a load starts.
const quietThreshold = 0.2

// waitQuiet samples the machine a second at a time, until processes other than the server,
// PostgreSQL and this one use less than quietThreshold, or wait has passed. It returns the last
// sample of that other use: what the load about to start competes with.
func waitQuiet(ctx context.Context, server int, wait time.Duration, what string) float64 {
	deadline := time.Now().Add(wait)
	warned := false
	for {
		a := snapshot(server, 0)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return 0
		}
		other := cpuBetween(a, snapshot(server, 0)).Other
		if other < quietThreshold || !time.Now().Before(deadline) {
			if other >= quietThreshold {
				logf("%s: other processes still use %.2f cores after %s; measuring anyway", what, other, wait)
			}
			return other
		}
		if !warned {
			logf("%s: waiting up to %s for other processes to quiet down (they use %.2f cores)", what, wait, other)
			warned = true
		}
	}
}
