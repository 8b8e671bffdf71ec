package loadgen

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// ProcStat is what /proc/PID/stat says of a process: the CPU time it has
// used (user and system) and its resident memory.
type ProcStat struct {
	CPU time.Duration
	// RSS is the resident memory in bytes.
	RSS int64
}

// clockTicks is USER_HZ, the unit of utime and stime (100 on Linux).
const clockTicks = 100

// ReadProcStat reads /proc/PID/stat (Linux only): load tools read a server
// process's before and after a run.
func ReadProcStat(pid int) (ProcStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcStat{}, fmt.Errorf("server CPU: %w", err)
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14, stime 15, rss 24.
	i := len(b) - 1
	for i >= 0 && b[i] != ')' {
		i--
	}
	if i < 0 {
		return ProcStat{}, errors.New("server CPU: /proc stat without a command name")
	}
	var state string
	var f [21]int64
	_, err = fmt.Sscan(string(b[i+1:]), &state, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16], &f[17], &f[18], &f[19], &f[20])
	if err != nil {
		return ProcStat{}, fmt.Errorf("server CPU: parse /proc stat: %w", err)
	}
	// f[0] is field 4 (ppid): utime is f[10], stime f[11], rss f[20].
	ticks := f[10] + f[11]
	return ProcStat{CPU: time.Duration(ticks) * time.Second / clockTicks, RSS: f[20] * int64(os.Getpagesize())}, nil
}
