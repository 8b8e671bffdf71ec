// Package bot is Bastion's back-office chat bot framework. A team registers
// Commands (a pattern, a permission, the channels where it may run, a
// handler) with a Router; Slack events arrive over the Events API
// (EventsHandler) or Socket Mode (SocketIngest), are stored in a durable
// queue, and Workers claim each message exactly once, route it, authorize
// it with the permission service, run the handler and reply in the thread.
//
// Workers and Approvals talk to Slack through a Chat. With one bot token a
// single Chat (SlackChat) serves every workspace; an app installed into
// several workspaces has one token per workspace, and a ChatSource (such
// as bot/teamchat's, over the installation store) picks the client of the
// workspace each event came from.
package bot
