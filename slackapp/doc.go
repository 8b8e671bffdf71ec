// Package slackapp knows what each Slack workspace granted Bastion: its
// installations (OAuth v2 install, encrypted bot tokens), the OAuth scopes
// they carry stored as a compact bit set, which features those scopes
// allow, and how to refresh them from Slack's x-oauth-scopes header.
package slackapp
