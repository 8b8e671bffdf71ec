package loadgen

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestReadProcStatSeesThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	before, err := ReadProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn CPU until the kernel's tick counter moves (it counts in 10 ms).
	for x := 0; ; x++ {
		after, err := ReadProcStat(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after.CPU > before.CPU {
			if after.RSS <= 0 || after.CPU-before.CPU > time.Minute {
				t.Errorf("after burning CPU: %+v, before %+v", after, before)
			}
			return
		}
	}
}
