package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
)

// TestConnMuxRoutesByProtocol: HTTP/2 connections whose first request is
// gRPC go to the gRPC listener, everything else to net/http's, and an
// HTTP/2 connection that sends no request within the sniff timeout to the
// gRPC one.
func TestConnMuxRoutesByProtocol(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := newConnMux(ln)
	m.sniff = 500 * time.Millisecond
	go m.serve()
	defer m.close()
	routed := make(chan string)
	accept := func(name string, l net.Listener) {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
			routed <- name
		}
	}
	go accept("grpc", m.grpcL)
	go accept("http", m.httpL)

	addr := ln.Addr().String()
	base := "http://" + addr
	h2c := func() *http.Client {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		return &http.Client{Transport: &http.Transport{Protocols: &p}}
	}
	req := connect.NewRequest(&authzv1.EligibilityRequest{})
	for _, tc := range []struct {
		name string
		call func(ctx context.Context)
		want string
	}{
		{"HTTP/1.1", func(ctx context.Context) {
			r, _ := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
			if res, err := http.DefaultClient.Do(r); err == nil {
				res.Body.Close()
			}
		}, "http"},
		{"gRPC, google.golang.org/grpc client", func(ctx context.Context) {
			cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Error(err)
				return
			}
			defer cc.Close()
			cc.Invoke(ctx, authzv1connect.PermissionServiceCheckProcedure, req.Msg, new(authzv1.CheckResponse))
		}, "grpc"},
		{"gRPC, connect client", func(ctx context.Context) {
			authzv1connect.NewPermissionServiceClient(h2c(), base, connect.WithGRPC()).Check(ctx, req)
		}, "grpc"},
		{"Connect over h2c", func(ctx context.Context) {
			authzv1connect.NewPermissionServiceClient(h2c(), base).Check(ctx, req)
		}, "http"},
		{"gRPC-Web over h2c", func(ctx context.Context) {
			authzv1connect.NewPermissionServiceClient(h2c(), base, connect.WithGRPCWeb()).Check(ctx, req)
		}, "http"},
		{"HTTP/2 without a request", func(ctx context.Context) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			io.WriteString(c, clientPreface)
			http2.NewFramer(c, nil).WriteSettings()
			<-ctx.Done()
		}, "grpc"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); tc.call(ctx) }()
		if got := <-routed; got != tc.want {
			t.Errorf("%s went to %s; want %s", tc.name, got, tc.want)
		}
		cancel()
		<-done
	}
}

// TestSettingsAckFilter drops the first SETTINGS acknowledgement and
// nothing else, wherever reads split the frames.
func TestSettingsAckFilter(t *testing.T) {
	var in, want bytes.Buffer
	in.WriteString(clientPreface)
	want.WriteString(clientPreface)
	both := func(f func(*http2.Framer)) { f(http2.NewFramer(&in, nil)); f(http2.NewFramer(&want, nil)) }
	both(func(f *http2.Framer) {
		f.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
	})
	both(func(f *http2.Framer) { f.WriteData(1, false, []byte(strings.Repeat("d", 100))) })
	http2.NewFramer(&in, nil).WriteSettingsAck() // dropped
	both(func(f *http2.Framer) {
		f.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}, EndHeaders: true})
	})
	both(func(f *http2.Framer) { f.WriteSettingsAck() }) // the next one passes
	both(func(f *http2.Framer) { f.WritePing(false, [8]byte{1}) })
	for name, r := range map[string]io.Reader{
		"whole":    bytes.NewReader(in.Bytes()),
		"one byte": iotest.OneByteReader(bytes.NewReader(in.Bytes())),
		"halves":   iotest.HalfReader(bytes.NewReader(in.Bytes())),
	} {
		got, err := io.ReadAll(&settingsAckFilter{r: r, pass: len(clientPreface)})
		if err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: %v, got %d bytes %x; want %x", name, err, len(got), got, want.Bytes())
		}
	}
}
