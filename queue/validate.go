package queue

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest message id a queue accepts, in bytes.
const MaxIDLength = 255

// ValidateMessage checks a message before it is enqueued: a non-empty,
// printable UTF-8 id of at most MaxIDLength bytes, and a body of at most
// maxBody bytes. Every Queue implementation applies the same rules.
func ValidateMessage(id string, body []byte, maxBody int) error {
	switch {
	case id == "":
		return fmt.Errorf("empty message id")
	case len(id) > MaxIDLength:
		return fmt.Errorf("message id of %d bytes exceeds %d", len(id), MaxIDLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("message id %q is not valid UTF-8", id)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("message id %q contains a control character", id)
		}
	}
	if len(body) > maxBody {
		return fmt.Errorf("message body of %d bytes exceeds the limit of %d", len(body), maxBody)
	}
	return nil
}
