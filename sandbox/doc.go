// Package sandbox is a local HTTP server that answers the part of Slack's Web
// API that Bastion calls, and delivers Events API requests to a bot the way
// Slack does: signed, with retries when the bot does not acknowledge in time.
//
// A slack-go client talks to it unchanged apart from its base URL:
//
//	sb := sandbox.New(sandbox.Options{SigningSecret: "secret"})
//	sb.Start()
//	defer sb.Close()
//	api := slack.New(token, slack.OptionAPIURL(sb.URL()+"/api/"))
//
// Tests and the development UI build workspaces, channels and users with the
// Add methods, act as people with PostAsUser, React and Unreact, and observe
// what the bot did with Messages, Thread, Reactions and WaitFor. All state
// sits behind one mutex; Changed returns a channel that closes on the next
// change, so observers never poll with sleeps.
package sandbox
