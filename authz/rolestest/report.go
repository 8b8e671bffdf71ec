package rolestest

import (
	"fmt"
	"io"
)

// Write prints each failed expectation with its line and what the engine
// answered, then a summary line; verbose prints the expectations that
// held too.
func (r *Report) Write(w io.Writer, verbose bool) error {
	failed := 0
	for _, res := range r.Results {
		switch {
		case !res.Passed:
			failed++
			if _, err := fmt.Fprintf(w, "FAIL %s:%d: %s\n     %s\n", r.File, res.Line, res.Expectation, res.Got); err != nil {
				return err
			}
		case verbose:
			if _, err := fmt.Fprintf(w, "ok   %s:%d: %s\n", r.File, res.Line, res.Expectation); err != nil {
				return err
			}
		}
	}
	status := "ok"
	if failed > 0 {
		status = "FAIL"
	}
	_, err := fmt.Fprintf(w, "%s %s: %d expectations, %d failed\n", status, r.File, len(r.Results), failed)
	return err
}
