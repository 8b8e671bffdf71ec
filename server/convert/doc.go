// Package convert translates between the permission engine's types
// (package authz) and their protobuf messages (bastion.authz.v1), for the
// server and the Go client alike.
package convert
