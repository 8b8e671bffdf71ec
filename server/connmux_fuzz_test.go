package server

import (
	"bytes"
	"io"
	"net"
	"testing"

	"golang.org/x/net/http2"
)

// bytesConn is a connection that reads from a buffer and discards writes.
type bytesConn struct {
	net.Conn
	r io.Reader
}

func (c bytesConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c bytesConn) Write(p []byte) (int, error) { return len(p), nil }

// FuzzSniff: whatever a client sends first, sniff decides without
// panicking and hands back exactly the bytes it read.
func FuzzSniff(f *testing.F) {
	var h2 bytes.Buffer
	h2.WriteString(clientPreface)
	fr := http2.NewFramer(&h2, nil)
	fr.WriteSettings()
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x83, 0x86, 0x5f, 0x10, 'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n', '/', 'g', 'r', 'p', 'c'}, EndHeaders: true})
	f.Add(h2.Bytes())
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte(clientPreface))
	f.Add([]byte("PRI * HTTP/2.0\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, read, err := sniff(bytesConn{r: bytes.NewReader(in)})
		if err != nil {
			if len(in) != 0 {
				t.Fatalf("sniff failed on %d bytes: %v", len(in), err)
			}
			return
		}
		if !bytes.HasPrefix(in, read) {
			t.Fatalf("sniff handed back %q, not a prefix of the input", read)
		}
	})
}

// FuzzSettingsAckFilter: the filter passes its input less at most one
// empty SETTINGS frame, and never panics.
func FuzzSettingsAckFilter(f *testing.F) {
	var in bytes.Buffer
	in.WriteString(clientPreface)
	fr := http2.NewFramer(&in, nil)
	fr.WriteSettings()
	fr.WriteSettingsAck()
	fr.WritePing(false, [8]byte{})
	f.Add(in.Bytes())
	f.Add([]byte(clientPreface + "\x00\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := io.ReadAll(&settingsAckFilter{r: bytes.NewReader(in), pass: min(len(in), len(clientPreface))})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) && len(out) != len(in)-9 {
			t.Fatalf("%d bytes in, %d out", len(in), len(out))
		}
	})
}
