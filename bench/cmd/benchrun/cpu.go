package main

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of /proc CPU times; 100 on every Linux configuration that Go
// supports (reading it properly needs sysconf, that is cgo).
const clockTick = 100

// processCPU is the CPU time (user + system, all threads) a process has used so far.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

func parseStatCPU(s string) (time.Duration, error) {
	// The command name (field 2) may hold spaces; after its closing parenthesis come state
	// (field 3) ... utime (14) and stime (15).
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc/<pid>/stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc/<pid>/stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unexpected /proc/<pid>/stat")
	}
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

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
		if d, err := parseStatCPU(s); err == nil {
			out[pid] = d
		}
	}
	return out
}

// selfCPU is the CPU time this process (the load generator) has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU returns the busy and total CPU time of the whole machine (all cores), from
// /proc/stat.
func machineCPU() (busy, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, errors.New("unexpected /proc/stat")
	}
	var sum, idle int64
	for i, x := range f[1:] {
		// guest and guest_nice (9th and 10th) are already counted in user and nice.
		if i >= 8 {
			break
		}
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, 0, errors.New("unexpected /proc/stat")
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	tick := time.Second / clockTick
	return time.Duration(sum-idle) * tick, time.Duration(sum) * tick, nil
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
		s.load = selfCPU()
	} else {
		s.load, _ = processCPU(loadPid)
	}
	if server > 0 {
		s.server, _ = processCPU(server)
	}
	s.busy, s.total, _ = machineCPU()
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
