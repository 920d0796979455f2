package benchkit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Memory is a process's resident memory, from /proc/<pid>/status.
type Memory struct {
	RSS  int64 // VmRSS, bytes
	Peak int64 // VmHWM, bytes
}

// ReadMemory reads the resident memory of the process pid.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			m.RSS = n << 10
		case "VmHWM":
			m.Peak = n << 10
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS for process %d", pid)
	}
	return m, nil
}

// clockTick is USER_HZ, the unit of /proc CPU times: 100 per second on every Linux
// configuration that Go supports (reading it properly needs sysconf, that is cgo).
const clockTick = 100

// ProcessCPU is the CPU time (user + system, all threads) the process pid has used so far.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return ParseStatCPU(string(b))
}

// ParseStatCPU reads the CPU time (utime + stime) from the text of a /proc/<pid>/stat file.
func ParseStatCPU(s string) (time.Duration, error) {
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

// SelfCPU is the CPU time this process has used so far.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ChildrenCPU is the CPU time this process's children that have ended (and been waited for)
// used.
func ChildrenCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// MachineCPU returns the busy and total CPU time of the whole machine (all cores) so far, from
// /proc/stat.
func MachineCPU() (busy, total time.Duration, err error) {
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
