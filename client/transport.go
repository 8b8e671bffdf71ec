package client

import (
	"net/http"
	"strings"
)

// WithHTTP1 sends calls over HTTP/1.1 with the Connect protocol, keeping up
// to conns connections open to the server, instead of gRPC multiplexed on
// one HTTP/2 connection. On loopback and in the same data centre this costs
// less CPU per call on both sides (no HTTP/2 framing, flow control or
// per-stream goroutine hand-offs), so it suits a backend making many
// concurrent unary checks: give it about as many connections as concurrent
// callers. Each WatchPermissions stream then holds a connection of its own,
// so do not combine it with Cached, which watches every user it caches.
// It replaces the HTTP client of WithHTTPClient.
func WithHTTP1(conns int) Option {
	return func(r *remoteConfig) {
		r.connect = true
		r.http1Conns = max(conns, 1)
	}
}

// defaultHTTPClient speaks unencrypted HTTP/2 to http:// URLs and HTTP/2
// over TLS to https:// ones.
func defaultHTTPClient(baseURL string) *http.Client {
	var p http.Protocols
	if strings.HasPrefix(baseURL, "https://") {
		p.SetHTTP2(true)
	} else {
		p.SetUnencryptedHTTP2(true)
	}
	return &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConnsPerHost: 16}}
}

// http1Client keeps up to conns HTTP/1.1 connections to one server alive
// between calls.
func http1Client(conns int) *http.Client {
	var p http.Protocols
	p.SetHTTP1(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConns: conns, MaxIdleConnsPerHost: conns}}
}
