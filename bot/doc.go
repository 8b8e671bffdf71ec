// Package bot is Bastion's back-office chat bot framework. A team registers
// Commands (a pattern, a permission, the channels where it may run, a
// handler) with a Router; Slack events arrive over the Events API
// (EventsHandler) or Socket Mode (SocketIngest), are stored in a durable
// queue, and Workers claim each message exactly once, route it, authorize
// it with the permission service, run the handler and reply in the thread.
package bot
