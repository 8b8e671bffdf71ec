package bot

import "strings"

// Escape neutralises Slack's control sequences (mentions, channel links,
// <!here>) and backquotes in text, so that text a person typed can be
// quoted back in a reply without pinging anyone or breaking out of code
// formatting.
func Escape(text string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "'").Replace(text)
}
