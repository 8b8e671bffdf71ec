package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip as the connect handlers do
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
)

// maxConcurrentStreams bounds the calls in flight on one HTTP/2
// connection, as net/http's HTTP/2 server does by default; request headers
// are bounded as net/http bounds them (http.DefaultMaxHeaderBytes).
const maxConcurrentStreams = 250

// grpcStreamWorkers is how many goroutines the gRPC transport keeps to run
// calls. Reusing them spares each call a new goroutine and, above all, the
// growth of its stack through the store's read (a sixth of the CPU of a
// check without them); calls beyond these get goroutines of their own.
const grpcStreamWorkers = 64

// grpcService is a service to register on the gRPC transport.
type grpcService struct {
	desc *grpc.ServiceDesc
	impl any
}

// grpcServices describes each implementation to the gRPC transport.
func (s *Server) grpcServices(impls map[string]any) ([]grpcService, error) {
	var out []grpcService
	for name, impl := range impls {
		desc, err := s.serviceDesc(name, impl)
		if err != nil {
			return nil, err
		}
		out = append(out, grpcService{desc: desc, impl: impl})
	}
	return out, nil
}

// newGRPCServer serves the same services as the connect handlers, with the
// same keys, limits and metrics, on google.golang.org/grpc's transport,
// which costs far less CPU per call than gRPC over net/http's HTTP/2
// server (it batches frames into few writes and keeps no goroutine
// hand-offs per frame). Health and reflection are open, as on connect.
// Serve makes it: its workers start with it.
func (s *Server) newGRPCServer() *grpc.Server {
	gs := grpc.NewServer(
		grpc.MaxRecvMsgSize(s.maxRequestBytes),
		grpc.MaxConcurrentStreams(maxConcurrentStreams),
		grpc.MaxHeaderListSize(http.DefaultMaxHeaderBytes),
		grpc.NumStreamWorkers(grpcStreamWorkers),
		grpc.ChainUnaryInterceptor(s.grpcUnary),
		grpc.ChainStreamInterceptor(s.grpcStream),
		// Clients keeping idle connections alive with pings are welcome,
		// as they are on net/http.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	for _, svc := range s.grpcSvcs {
		gs.RegisterService(svc.desc, svc.impl)
	}
	grpc_health_v1.RegisterHealthServer(gs, &grpcHealth{h: &healthChecker{s: s}})
	reflection.Register(gs)
	return gs
}

// openService reports whether calls to a service need no API key: health
// and reflection, which describes only the public API.
func openService(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.") || strings.HasPrefix(fullMethod, "/grpc.reflection.")
}

// grpcAuthorization is the first authorization value of a call.
func grpcAuthorization(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, "authorization"); len(v) > 0 {
		return v[0]
	}
	return ""
}

// grpcUnary authenticates and times unary calls, as the connect
// interceptors do.
func (s *Server) grpcUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if openService(info.FullMethod) {
		return next(ctx, req)
	}
	start := time.Now()
	var res any
	var err error
	if !s.keys.allowedValue(grpcAuthorization(ctx)) {
		err = status.Error(codes.Unauthenticated, errUnauthenticated.Error())
	} else {
		res, err = next(ctx, req)
	}
	s.metrics.rpc.WithLabelValues(info.FullMethod, grpcCodeLabel(err)).Observe(time.Since(start).Seconds())
	return res, err
}

// grpcStream authenticates and times streams.
func (s *Server) grpcStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	if openService(info.FullMethod) {
		return next(srv, ss)
	}
	start := time.Now()
	var err error
	if !s.keys.allowedValue(grpcAuthorization(ss.Context())) {
		err = status.Error(codes.Unauthenticated, errUnauthenticated.Error())
	} else {
		err = next(srv, ss)
	}
	s.metrics.rpc.WithLabelValues(info.FullMethod, grpcCodeLabel(err)).Observe(time.Since(start).Seconds())
	return err
}

// grpcCodeLabel names a call's outcome as codeLabel does for connect.
func grpcCodeLabel(err error) string {
	if err == nil {
		return "ok"
	}
	return connect.Code(status.Code(err)).String()
}

// grpcError turns a handler's error (a connect error, or any other) into a
// gRPC status with the same code and message.
func grpcError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return status.Error(codes.Code(ce.Code()), ce.Message())
	}
	return status.Error(codes.Unknown, err.Error())
}

// serviceDesc describes a connect handler implementation (the value behind
// a generated XxxHandler interface) to google.golang.org/grpc: every unary
// method calls the implementation's method of the same name with a
// connect.Request holding the decoded message, and server streams are
// served by the handlers in grpcStreams.
func (s *Server) serviceDesc(name string, impl any) (*grpc.ServiceDesc, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, fmt.Errorf("grpc transport: service %s: %w", name, err)
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("grpc transport: %s is not a service", name)
	}
	desc := &grpc.ServiceDesc{ServiceName: name, HandlerType: (*any)(nil), Metadata: sd.ParentFile().Path()}
	streams := s.grpcStreams()
	impl0 := reflect.ValueOf(impl)
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		full := "/" + name + "/" + string(md.Name())
		switch {
		case md.IsStreamingClient():
			return nil, fmt.Errorf("grpc transport: %s: client streams are not bridged", full)
		case md.IsStreamingServer():
			h, ok := streams[full]
			if !ok {
				return nil, fmt.Errorf("grpc transport: %s: no stream handler", full)
			}
			desc.Streams = append(desc.Streams, grpc.StreamDesc{StreamName: string(md.Name()), Handler: h, ServerStreams: true})
		default:
			h, err := unaryHandler(impl0, md, full)
			if err != nil {
				return nil, err
			}
			desc.Methods = append(desc.Methods, grpc.MethodDesc{MethodName: string(md.Name()), Handler: h})
		}
	}
	return desc, nil
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// unaryHandler calls impl's method for md: func(context.Context,
// *connect.Request[In]) (*connect.Response[Out], error).
func unaryHandler(impl reflect.Value, md protoreflect.MethodDescriptor, full string) (func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error), error) {
	in, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		return nil, fmt.Errorf("grpc transport: %s: %w", full, err)
	}
	m := impl.MethodByName(string(md.Name()))
	if !m.IsValid() {
		return nil, fmt.Errorf("grpc transport: %s: %T has no method %s", full, impl.Interface(), md.Name())
	}
	t := m.Type()
	if t.NumIn() != 2 || t.In(0) != contextType || t.In(1).Kind() != reflect.Pointer || t.NumOut() != 2 || t.Out(1) != errorType || t.Out(0).Kind() != reflect.Pointer {
		return nil, fmt.Errorf("grpc transport: %s: method %s is not a connect unary handler", full, md.Name())
	}
	reqType := t.In(1).Elem() // connect.Request[In]; its field 0 is Msg
	if f := reqType.Field(0); f.Name != "Msg" || f.Type != reflect.TypeOf(in.Zero().Interface()) {
		return nil, fmt.Errorf("grpc transport: %s: method %s takes %v, not a request of %s", full, md.Name(), t.In(1), md.Input().FullName())
	}
	call := typedCalls(impl.Interface())[full]
	if call == nil {
		call = reflectCall(m, reqType)
	}
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		msg := in.New().Interface()
		if err := dec(msg); err != nil {
			return nil, err
		}
		if interceptor == nil {
			return call(ctx, msg)
		}
		return interceptor(ctx, msg, &grpc.UnaryServerInfo{Server: srv, FullMethod: full}, call)
	}, nil
}

// reflectCall calls a connect unary method m, whose request type is
// reqType, through reflection.
func reflectCall(m reflect.Value, reqType reflect.Type) grpc.UnaryHandler {
	return func(ctx context.Context, msg any) (any, error) {
		req := reflect.New(reqType)
		req.Elem().Field(0).Set(reflect.ValueOf(msg))
		out := m.Call([]reflect.Value{reflect.ValueOf(ctx), req})
		if err, _ := out[1].Interface().(error); err != nil {
			return nil, grpcError(err)
		}
		if out[0].IsNil() {
			return nil, status.Error(codes.Internal, "handler returned no response")
		}
		return out[0].Elem().Field(0).Interface(), nil
	}
}

// typedCalls are direct calls of the checks, the calls made most often,
// sparing them reflection.
func typedCalls(impl any) map[string]grpc.UnaryHandler {
	v, ok := impl.(*service)
	if !ok {
		return nil
	}
	return map[string]grpc.UnaryHandler{
		authzv1connect.PermissionServiceCheckProcedure:       typedCall(v.Check),
		authzv1connect.PermissionServiceBatchCheckProcedure:  typedCall(v.BatchCheck),
		authzv1connect.PermissionServiceCheckPolicyProcedure: typedCall(v.CheckPolicy),
	}
}

// typedCall adapts a connect unary method to the gRPC transport.
func typedCall[Req, Res any](f func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) grpc.UnaryHandler {
	return func(ctx context.Context, msg any) (any, error) {
		res, err := f(ctx, connect.NewRequest(msg.(*Req)))
		if err != nil {
			return nil, grpcError(err)
		}
		return res.Msg, nil
	}
}

// grpcStreams are the server-stream handlers of the gRPC transport, by
// full method name.
func (s *Server) grpcStreams() map[string]grpc.StreamHandler {
	return map[string]grpc.StreamHandler{
		authzv1connect.PermissionServiceWatchPermissionsProcedure: func(_ any, ss grpc.ServerStream) error {
			req := new(authzv1.WatchPermissionsRequest)
			if err := ss.RecvMsg(req); err != nil {
				return err
			}
			return grpcError(s.watch(ss.Context(), req, authzv1connect.PermissionServiceWatchPermissionsProcedure,
				func(m *authzv1.WatchPermissionsResponse) error { return ss.SendMsg(m) }))
		},
	}
}

// grpcHealth serves grpc.health.v1.Health with the connect health
// service's answers. Watch is unimplemented there too.
type grpcHealth struct {
	grpc_health_v1.UnimplementedHealthServer
	h *healthChecker
}

func (g *grpcHealth) Check(ctx context.Context, req *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	res, err := g.h.Check(ctx, &grpchealth.CheckRequest{Service: req.GetService()})
	if err != nil {
		return nil, grpcError(err)
	}
	return &grpc_health_v1.HealthCheckResponse{Status: grpc_health_v1.HealthCheckResponse_ServingStatus(res.Status)}, nil
}
