package nats

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// maxIDLength is the longest id accepted, in bytes.
const maxIDLength = 255

func validate(id string, body []byte, maxBody int) error {
	switch {
	case id == "":
		return fmt.Errorf("empty message id")
	case len(id) > maxIDLength:
		return fmt.Errorf("message id of %d bytes exceeds %d", len(id), maxIDLength)
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
