// Package client is the Go library backends use to ask Bastion for
// permissions. Checker has three implementations:
//
//   - Remote calls a bastion serve over gRPC (or Connect). A backend making
//     many concurrent checks spends less CPU per check, on both sides, with
//     WithHTTP1 (Connect over HTTP/1.1 connections) and WithBatching
//     (concurrent checks coalesced into BatchCheck calls, each still
//     answered from the store).
//   - Local calls an engine in the same process: the loopback mode an
//     adopter starts with before running a separate service.
//   - Cached answers permission checks for one team from a local copy of
//     each user's permissions, booted with ListUserPermissions and kept
//     current by WatchPermissions; its answers are not authoritative.
//
// Every implementation fails closed: when a check cannot be answered
// (transport failure, store unreachable, malformed request) it returns a
// result whose decisions all deny, together with the error.
//
// Shadow wraps a Checker to migrate an application's own permission logic
// to Bastion one action at a time (dark mode, then light mode).
package client
