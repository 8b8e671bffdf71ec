// Package slackmanifest holds the Slack app manifests that create Bastion's
// app in a workspace with every scope, event and endpoint its features
// need: one for a public address (Events API), one for Socket Mode.
package slackmanifest

import _ "embed"

// Manifest is the app manifest (YAML) to paste into Slack's "Create New
// App" -> "From an app manifest" dialog.
//
//go:embed manifest.yaml
var Manifest []byte

// SocketMode is the manifest of an app that takes its events over Socket
// Mode, with no public address: what `bastion dev --slack` runs with (an
// app-level token with connections:write and the bot token), and `bastion
// serve` behind a firewall. It asks for the scopes of Manifest and
// subscribes to its events; channels:read and groups:read among them let
// dev learn the workspace's channels.
//
//go:embed socket-mode.yaml
var SocketMode []byte
