//go:build unix

package loadgen

import "syscall"

// processCPU returns the CPU time (user and system) this process has used
// so far, or 0 when it cannot be read.
func processCPU() (cpu int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
