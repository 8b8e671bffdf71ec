package access

import (
	"fmt"
	"strings"
	"time"
)

// Duration writes d compactly, as the request command reads it back:
// 2h, 1h30m, 45m, 3d.
func Duration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d <= 0 {
		return "0m"
	}
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", days)
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := (d % time.Hour) / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// When writes an instant in UTC, with its date when it is not now's day.
func When(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04 UTC")
	}
	return t.Format("Jan 2 15:04 UTC")
}
