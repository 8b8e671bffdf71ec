package web

import (
	"regexp"
	"strings"

	"github.com/bastionhq/bastion/sandbox"
)

// atName finds "@name" where Slack's composer would offer a mention: at
// the start or after a space or opening punctuation.
var atName = regexp.MustCompile(`(^|[\s(\[])@([A-Za-z0-9][A-Za-z0-9._-]*)`)

// encodeMentions turns "@name" of the bot or of a member of the team into
// Slack's mention markup <@U123>, as Slack's own client does when a person
// picks a name from its autocomplete. Unknown names stay as typed.
func encodeMentions(text, botName, botUserID string, users []sandbox.User) string {
	ids := map[string]string{strings.ToLower(botName): botUserID}
	for _, u := range users {
		if u.Name != "" {
			ids[strings.ToLower(u.Name)] = u.ID
		}
	}
	return atName.ReplaceAllStringFunc(text, func(m string) string {
		sub := atName.FindStringSubmatch(m)
		name := strings.TrimRight(strings.ToLower(sub[2]), ".")
		id, ok := ids[name]
		if !ok {
			return m
		}
		return sub[1] + "<@" + id + ">" + sub[2][len(name):]
	})
}
