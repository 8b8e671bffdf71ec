package pattern

import "time"

// Args holds the typed values of a matched message, by placeholder name:
// int64 for int, time.Duration for duration, and string otherwise (the id
// for user and channel mentions).
type Args map[string]any

// String returns a word, text, user or channel value, or "" when absent.
func (a Args) String(name string) string {
	s, _ := a[name].(string)
	return s
}

// Int returns an int value, or 0 when absent.
func (a Args) Int(name string) int64 {
	n, _ := a[name].(int64)
	return n
}

// Duration returns a duration value, or 0 when absent.
func (a Args) Duration(name string) time.Duration {
	d, _ := a[name].(time.Duration)
	return d
}
