// Package proto holds Bastion's protobuf sources (bastion/authz/v1). The Go
// code generated from them lives in gen/ and is committed; regenerate it
// after editing a .proto file with
//
//	go generate ./proto
//
// which runs buf with the local protoc-gen-go and protoc-gen-connect-go
// plugins at the versions pinned in go.mod.
package proto

//go:generate go run github.com/bufbuild/buf/cmd/buf@v1.75.0 lint
//go:generate go run github.com/bufbuild/buf/cmd/buf@v1.75.0 generate
