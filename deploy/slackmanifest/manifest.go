// Package slackmanifest holds the Slack app manifest that creates Bastion's app in
// a workspace with every scope, event and endpoint its features need.
package slackmanifest

import _ "embed"

// Manifest is the app manifest (YAML) to paste into Slack's "Create New
// App" -> "From an app manifest" dialog.
//
//go:embed manifest.yaml
var Manifest []byte
