package server

import (
	"context"
	"crypto/sha256"
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

// keyring holds the SHA-256 digests of the accepted API keys, never the
// keys themselves: a presented key is hashed and its digest compared with
// each, so that the comparison takes the same time whatever the lengths of
// the presented and the accepted keys.
type keyring struct {
	digests  [][sha256.Size]byte
	insecure bool
}

func newKeyring(keys []string, insecure bool) *keyring {
	k := &keyring{insecure: insecure}
	for _, key := range keys {
		if key != "" {
			k.digests = append(k.digests, sha256.Sum256([]byte(key)))
		}
	}
	return k
}

var errUnauthenticated = errors.New(`missing or unknown API key: send "authorization: Bearer KEY"`)

// allowed reports whether the request's authorization header carries a
// known key.
func (k *keyring) allowed(h http.Header) bool { return k.allowedValue(h.Get("Authorization")) }

// allowedValue reports whether an authorization header value carries a
// known key: the Bearer scheme in any case (RFC 6750 and RFC 9110 make the
// scheme case-insensitive), one or more spaces, and the key. Every
// accepted key's digest is compared, in constant time, whatever matches.
// Both transports (connect and google.golang.org/grpc) call it.
func (k *keyring) allowedValue(authorization string) bool {
	if k.insecure {
		return true
	}
	key, ok := bearerToken(authorization)
	if !ok {
		return false
	}
	got := sha256.Sum256([]byte(key))
	match := 0
	for i := range k.digests {
		match |= subtle.ConstantTimeCompare(got[:], k.digests[i][:])
	}
	return match == 1
}

// bearerToken returns the token of a "Bearer TOKEN" credential.
func bearerToken(v string) (string, bool) {
	scheme, token, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	return token, token != ""
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
