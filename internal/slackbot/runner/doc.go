// Package runner assembles a running Slack bot from its parts: the durable
// queue (queue/sqlqueue on the database by default, NATS JetStream when a
// URL is given), the claim and audit store (store/botsql), the Slack Web
// API client (one per workspace with Options.Chats), the router, N workers, periodic claim pruning, the
// installation gate, and the ingress: an http.Handler for /slack/events
// (and /slack/interactions when given) or, with an app-level token, a
// Socket Mode connection.
//
//	r, err := runner.New(ctx, runner.Options{DB: db, BotToken: token, SigningSecret: secret, Router: router})
//	mux.Handle("/slack/", r.Handler())
//	err = r.Run(ctx) // until ctx ends; then drains the workers
//
// Run stops taking deliveries when its context ends and lets the workers
// finish the messages in hand (up to DrainTimeout) before it returns.
package runner
