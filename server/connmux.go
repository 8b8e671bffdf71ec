package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// clientPreface opens every HTTP/2 connection with prior knowledge (h2c).
const clientPreface = http2.ClientPreface

// sniffTimeout bounds how long a connection may take to show what it
// speaks: its first bytes, and for HTTP/2 its first request's headers. An
// HTTP/2 connection that sends no request in time (a gRPC client that
// connects ahead of its first call) goes to the gRPC transport; one that
// does not even send its preface is closed.
const sniffTimeout = 10 * time.Second

// connMux splits one listener's connections between two servers by what
// they speak: HTTP/2 connections whose first request is gRPC
// (application/grpc, application/grpc+proto, ...) go to grpcL, everything
// else (HTTP/1.1, and HTTP/2 carrying Connect or gRPC-Web) to httpL.
//
// Clients such as google.golang.org/grpc's wait for the server's SETTINGS
// frame before their first request, so the mux sends an empty one itself
// before reading the request's headers. The client acknowledges it; the
// acknowledgement is dropped on its way to net/http, which would otherwise
// take it for the acknowledgement of a SETTINGS frame it never sent, while
// the gRPC transport ignores acknowledgements.
type connMux struct {
	ln    net.Listener
	sniff time.Duration // sniffTimeout, shorter in tests
	grpcL *chanListener
	httpL *chanListener

	closeOnce sync.Once
	done      chan struct{}
}

func newConnMux(ln net.Listener) *connMux {
	done := make(chan struct{})
	return &connMux{
		ln:    ln,
		sniff: sniffTimeout,
		grpcL: &chanListener{addr: ln.Addr(), conns: make(chan net.Conn), done: done},
		httpL: &chanListener{addr: ln.Addr(), conns: make(chan net.Conn), done: done},
		done:  done,
	}
}

// serve accepts connections until the listener is closed, classifying each
// on its own goroutine so that a slow client delays nobody else.
func (m *connMux) serve() error {
	var delay time.Duration
	for {
		c, err := m.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Too many open files and the like: back off as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			m.close()
			return err
		}
		delay = 0
		go m.route(c)
	}
}

// close stops accepting and ends both listeners' Accept calls.
func (m *connMux) close() error {
	var err error
	m.closeOnce.Do(func() {
		close(m.done)
		err = m.ln.Close()
	})
	return err
}

// route hands c to the server that speaks its protocol.
func (m *connMux) route(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(m.sniff))
	grpc, replay, err := sniff(c)
	if err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	rc := &replayConn{Conn: c, r: io.MultiReader(bytes.NewReader(replay), c)}
	to := m.httpL
	switch {
	case grpc:
		to = m.grpcL
	case bytes.HasPrefix(replay, []byte(clientPreface)):
		rc.r = &settingsAckFilter{r: rc.r, pass: len(clientPreface)}
	}
	select {
	case to.conns <- rc:
	case <-m.done:
		c.Close()
	}
}

// sniff reads what c sends first and reports whether it is gRPC over
// HTTP/2, returning the bytes read. It fails only when c sends nothing
// readable at all.
func sniff(c net.Conn) (grpc bool, read []byte, err error) {
	var buf bytes.Buffer
	r := io.TeeReader(c, &buf)
	// HTTP/1.1 requests differ from the preface within its first bytes.
	var b [len(clientPreface)]byte
	for n := 0; n < len(b); {
		k, err := r.Read(b[n:])
		if string(b[n:n+k]) != clientPreface[n:n+k] {
			return false, buf.Bytes(), nil
		}
		n += k
		if err != nil && n < len(b) {
			if n == 0 {
				return false, nil, err
			}
			return false, buf.Bytes(), nil
		}
	}
	// The server's preface: an empty SETTINGS frame.
	if err := http2.NewFramer(c, nil).WriteSettings(); err != nil {
		return false, nil, err
	}
	fr := http2.NewFramer(nil, r)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.MaxHeaderListSize = 1 << 20
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			// No request yet (or one the mux cannot read): HTTP/2 with
			// prior knowledge is most often a gRPC client, and the gRPC
			// transport reports whatever is wrong.
			return true, buf.Bytes(), nil
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			return isGRPC(h.PseudoValue("method"), contentType(h)), buf.Bytes(), nil
		}
	}
}

func contentType(h *http2.MetaHeadersFrame) string {
	for _, f := range h.RegularFields() {
		if f.Name == "content-type" {
			return f.Value
		}
	}
	return ""
}

// isGRPC reports whether a request is gRPC (not gRPC-Web, not Connect).
func isGRPC(method, contentType string) bool {
	if method != "POST" {
		return false
	}
	ct := strings.ToLower(contentType)
	return ct == "application/grpc" || strings.HasPrefix(ct, "application/grpc+") || strings.HasPrefix(ct, "application/grpc;")
}

// replayConn reads from r (the sniffed bytes, then the connection).
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// settingsAckFilter passes an HTTP/2 client's bytes through, less the first
// SETTINGS acknowledgement (the one of the mux's own SETTINGS frame).
type settingsAckFilter struct {
	r    io.Reader
	pass int // bytes to pass before the next frame header
	hdr  [9]byte
	have int    // bytes of hdr read
	out  []byte // header bytes to hand out
	done bool   // the acknowledgement was dropped: pass everything
}

func (f *settingsAckFilter) Read(p []byte) (int, error) {
	for {
		switch {
		case len(f.out) > 0:
			n := copy(p, f.out)
			f.out = f.out[n:]
			return n, nil
		case f.done:
			return f.r.Read(p)
		case f.pass > 0:
			n, err := f.r.Read(p[:min(len(p), f.pass)])
			f.pass -= n
			return n, err
		}
		n, err := f.r.Read(f.hdr[f.have:])
		f.have += n
		if f.have < len(f.hdr) {
			if err != nil {
				// The stream ends within a frame header: pass what came
				// and stop filtering; the server reports the truncation.
				f.out = append(f.out[:0], f.hdr[:f.have]...)
				f.have, f.done = 0, true
				if len(f.out) == 0 {
					return 0, err
				}
			}
			continue
		}
		f.have = 0
		length := int(f.hdr[0])<<16 | int(f.hdr[1])<<8 | int(f.hdr[2])
		typ, flags := http2.FrameType(f.hdr[3]), http2.Flags(f.hdr[4])
		if typ == http2.FrameSettings && flags.Has(http2.FlagSettingsAck) && length == 0 {
			f.done = true
			continue
		}
		f.out = append(f.out[:0], f.hdr[:]...)
		f.pass = length
	}
}

// chanListener is a net.Listener fed by a connMux.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close does nothing: the mux closes both listeners together.
func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }
