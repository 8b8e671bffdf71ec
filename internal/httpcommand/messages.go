package httpcommand

import (
	"fmt"
	"time"
)

// failure words a call without a usable answer for the thread. The bot
// prefixes it ("`refund …` failed: ", "dry run of `refund …` failed: ").
func (c *command) failure(phase, requestID string, r result) error {
	host := c.spec.Host()
	if phase == PhaseDryRun {
		switch r.outcome {
		case OutcomeNotSent:
			return fmt.Errorf("could not reach %s: %v", host, r.err)
		case OutcomeUnknown:
			return fmt.Errorf("%s: %v", host, r.err)
		case OutcomeFailed:
			return fmt.Errorf("%s answered %s: %v", host, r.status, r.err)
		}
		return fmt.Errorf("%s answered %s, but its answer could not be read: %v", host, r.status, r.err)
	}
	switch r.outcome {
	case OutcomeNotSent:
		return fmt.Errorf("nothing was sent: could not reach %s (%v). Say the command again to retry", host, r.err)
	case OutcomeUnknown:
		return fmt.Errorf("%s: %v. The run was sent and will not be sent again, so its outcome is unknown: "+
			"check with the service (request %s) before you run it again", host, r.err, requestID)
	case OutcomeFailed:
		return fmt.Errorf("%s answered %s: %v (request %s)", host, r.status, r.err, requestID)
	}
	return fmt.Errorf("%s answered %s, so the command ran, but its answer could not be read: %v (request %s)",
		host, r.status, r.err, requestID)
}

// alreadySent explains why a run was not sent: its request id was taken
// before.
func (c *command) alreadySent(r Run) error {
	var how string
	switch r.Outcome {
	case OutcomeSending:
		how = "it may have reached " + c.spec.Host() + ", but its outcome was never recorded (Bastion may have stopped while sending it): check with the service"
	case OutcomeOK:
		how = "it ran"
	case OutcomeNotSent:
		how = "it could not be sent then (" + r.Detail + ")"
	case OutcomeFailed:
		how = "it failed (" + r.Detail + ")"
	case OutcomeUnknown:
		how = "its outcome is unknown (" + r.Detail + ")"
	default:
		how = "it ran, but its answer could not be read (" + r.Detail + ")"
	}
	return fmt.Errorf("request %s was taken at %s, and a run is never sent twice for one request: %s",
		r.RequestID, r.ClaimedAt.UTC().Format(time.RFC3339), how)
}
