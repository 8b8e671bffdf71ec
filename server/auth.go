package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"connectrpc.com/connect"
)

// ParseAPIKeys splits a comma-separated key list (BASTION_API_KEYS),
// dropping blanks.
func ParseAPIKeys(list string) []string {
	var out []string
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// keyring holds the accepted API keys.
type keyring struct {
	keys     [][]byte
	insecure bool
}

func newKeyring(keys []string, insecure bool) *keyring {
	k := &keyring{insecure: insecure}
	for _, key := range keys {
		if key != "" {
			k.keys = append(k.keys, []byte(key))
		}
	}
	return k
}

var errUnauthenticated = errors.New(`missing or unknown API key: send "authorization: Bearer KEY"`)

// allowed reports whether the request's authorization header carries a
// known key. Every key is compared, in constant time, whatever matches.
func (k *keyring) allowed(h http.Header) bool {
	if k.insecure {
		return true
	}
	got, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	match := 0
	for _, key := range k.keys {
		match |= subtle.ConstantTimeCompare([]byte(got), key)
	}
	return match == 1
}

// interceptor refuses calls without a known key with Unauthenticated.
func (k *keyring) interceptor() connect.Interceptor { return authInterceptor{k} }

type authInterceptor struct{ k *keyring }

func (a authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if !a.k.allowed(req.Header()) {
			return nil, connect.NewError(connect.CodeUnauthenticated, errUnauthenticated)
		}
		return next(ctx, req)
	}
}

func (a authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (a authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if !a.k.allowed(conn.RequestHeader()) {
			return connect.NewError(connect.CodeUnauthenticated, errUnauthenticated)
		}
		return next(ctx, conn)
	}
}
