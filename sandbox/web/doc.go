// Package web serves the sandbox as a web page that looks like a minimal
// Slack, so that a person (or a browser test) can act as any member of a
// sandbox workspace and watch the bot answer.
//
// The page shows a sidebar with the workspace's channels (and a workspace
// switcher when there are several), a picker of the person to act as with
// their account type (Primary Owner, Owner, Admin, Member, Guest,
// Single-Channel Guest) and an operator's label such as "Channels Admin",
// the channel's messages with their threads and reactions, and composers
// for the channel and the open thread. Messages are drawn from Slack
// mrkdwn (bold, italic, strike, code, code blocks, mentions, channel
// references, links, common emoji) or from their Block Kit section,
// header, context, divider and actions blocks; a click on a button is
// delivered to the app by (*sandbox.Server).Click as the acting person.
// Typed "@name" mentions of the bot or of a member and "#channel"
// references become Slack's <@U123> and <#C123|name> markup, as Slack's
// client does for a name picked from its autocomplete. Changes appear without a reload:
// the page listens to server-sent events sent at every change of the
// sandbox.
//
// Mount it at the root of a server, or under a prefix with
// http.StripPrefix (the page uses relative URLs only):
//
//	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", web.New(sb, web.Options{
//		Labels: map[string]string{"UCHANADMIN": "Channels Admin"},
//	})))
//
// Call Handler.Close before shutting the server down, to end the event
// streams that browsers hold open.
//
// # The view lives in the URL
//
// The query parameters team, as, channel and thread choose the workspace,
// the person, the channel and the open thread, so a link opens one
// person's view: /?team=T1&as=UMEMBER&channel=C2. Missing parameters get
// defaults (those of Options.Start, else the first workspace, its first
// person by id, #general or the first channel) and the page rewrites the
// URL to name them; unknown ones
// are reported on the page. Each person sees their own direct message with
// the bot; it is created by the first message sent in it.
//
// # JSON API
//
//	GET  ui/state?team=&as=&channel=&thread=   everything the page draws
//	POST ui/message  {"team","channel","as","text","thread_ts"}  → {"ts"}
//	POST ui/reaction {"team","channel","as","ts","emoji","remove"}
//	POST ui/click    {"team","channel","as","ts","action_id"}
//	GET  ui/events                             text/event-stream of "change"
//
// POST bodies must be application/json with no unknown fields. Errors
// answer {"error": "..."} with 400 (invalid input such as empty text),
// 404 (unknown workspace, user, channel, message or button), 409 (adding
// a reaction twice or removing a missing one), 415 (not JSON) or 502 (a
// click the app did not accept, or no interactions URL is set).
//
// # Selectors for browser tests
//
// Every element a test drives has a data-testid:
//
//	body[data-state="ready"]           the state is loaded and drawn; data-as,
//	                                   data-team and data-channel name the view
//	team-picker, team-option           workspace switcher (hidden with one workspace)
//	team-name                          the workspace's name
//	user-picker, user-option           <select> of the person to act as; option
//	                                   value is the user id, data-kind the kind
//	current-user                       card of the acting person (data-user, data-kind);
//	                                   current-user-kind, current-user-label inside
//	channels                           the sidebar's list
//	channel                            a channel link (data-channel, data-type
//	                                   channel|group|im); the current one has
//	                                   aria-current="page"
//	channel-title                      the open channel's name
//	live                               data-state="open" once live updates flow
//	error, error-reset                 the error banner and its reset link
//	messages                           the channel's top-level messages
//	message                            a message (data-ts, data-user, data-bot,
//	                                   data-ephemeral); message-author and
//	                                   message-body inside
//	thread-open                        opens a message's thread (data-ts,
//	                                   data-replies: the reply count)
//	block-button                       a Block Kit button (data-action-id,
//	                                   data-block-id, data-value); click to
//	                                   deliver block_actions
//	reactions                          a message's reaction bar
//	reaction                           a reaction (data-ts, data-emoji, data-count,
//	                                   aria-pressed="true" when it is the acting
//	                                   person's); click to toggle it;
//	                                   reaction-count and reaction-users inside
//	reaction-add                       opens the emoji picker of a message
//	reaction-picker, reaction-pick     the picker and its emoji (data-emoji:
//	                                   white_check_mark, x, eyes, +1, -1, tada,
//	                                   heart, rocket)
//	composer, composer-input,          the channel's composer; Enter sends,
//	composer-send                      Shift+Enter starts a new line
//	thread-panel                       the open thread (data-ts); its messages are
//	                                   in thread-messages, the parent first
//	thread-close                       closes it
//	thread-composer, thread-input,     the thread's composer
//	thread-send
//
// Scope message selectors by their list, for the parent of an open thread
// appears in both: [data-testid="messages"] [data-testid="message"] and
// [data-testid="thread-messages"] [data-testid="message"].
package web
