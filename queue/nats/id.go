package nats

import (
	"fmt"
	"net/url"
)

// encodeID escapes id for the Nats-Msg-Id header, whose value NATS trims
// of surrounding spaces: ids that differ only in spaces stay distinct.
// Slack's ids contain nothing that needs escaping and read the same.
func encodeID(id string) string { return url.PathEscape(id) }

func decodeID(header string) (string, error) {
	id, err := url.PathUnescape(header)
	if err != nil {
		return "", fmt.Errorf("decode message id %q: %w", header, err)
	}
	return id, nil
}
