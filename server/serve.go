package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// readHeaderTimeout bounds how long a client may take to send a request's
// headers on net/http.
const readHeaderTimeout = 10 * time.Second

// Serve serves every protocol on ln until Shutdown or Close, and then
// returns http.ErrServerClosed (or the listener's error if it failed).
// HTTP/2 connections whose first request is gRPC are served by
// google.golang.org/grpc's transport; everything else (HTTP/1.1, Connect
// and gRPC-Web over HTTP/2, /healthz, /metrics, Extra handlers) by
// net/http with Handler. Both answer with the same services, API keys and
// limits. Serve may be called once.
func (s *Server) Serve(ln net.Listener) error {
	s.serveMu.Lock()
	if s.conns != nil {
		s.serveMu.Unlock()
		return errors.New("server: Serve called twice")
	}
	if s.closed {
		s.serveMu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	m := newConnMux(ln)
	hs := &http.Server{Handler: s.Handler(), Protocols: Protocols(), ReadHeaderTimeout: readHeaderTimeout}
	gs := s.newGRPCServer()
	s.conns, s.hs, s.grpc = m, hs, gs
	s.serveMu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); hs.Serve(m.httpL) }()
	go func() { defer wg.Done(); gs.Serve(m.grpcL) }()
	err := m.serve()
	s.serveMu.Lock()
	closed := s.closed
	s.serveMu.Unlock()
	if closed {
		return http.ErrServerClosed
	}
	// The listener failed: stop both servers before returning.
	s.Close()
	wg.Wait()
	return fmt.Errorf("accept: %w", err)
}

// Shutdown stops accepting connections and waits, until ctx ends, for the
// calls in flight to finish; then it closes every connection. Call Drain
// first to end watch streams.
func (s *Server) Shutdown(ctx context.Context) error {
	m, hs, gs := s.stopAccepting()
	if m == nil {
		return nil
	}
	stopped := make(chan struct{})
	go func() { gs.GracefulStop(); close(stopped) }()
	err := hs.Shutdown(ctx)
	select {
	case <-stopped:
	case <-ctx.Done():
		gs.Stop()
		<-stopped
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		hs.Close()
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	m, hs, gs := s.stopAccepting()
	if m == nil {
		return nil
	}
	gs.Stop()
	return hs.Close()
}

// stopAccepting marks the server closed and closes its listener,
// returning what Serve started (nil before Serve).
func (s *Server) stopAccepting() (*connMux, *http.Server, *grpc.Server) {
	s.serveMu.Lock()
	defer s.serveMu.Unlock()
	s.closed = true
	if s.conns == nil {
		return nil, nil, nil
	}
	s.conns.close()
	return s.conns, s.hs, s.grpc
}
