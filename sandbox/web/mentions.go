package web

import (
	"regexp"
	"strings"

	"github.com/bastionhq/bastion/sandbox"
)

// reference finds "@name" and "#channel" where Slack's composer would
// offer to complete them: at the start or after a space or opening
// punctuation.
var reference = regexp.MustCompile(`(^|[\s(\[])([@#])([A-Za-z0-9][A-Za-z0-9._-]*)`)

// encodeMentions turns "@name" of the bot or of a member of the team into
// Slack's mention markup <@U123>, and "#name" of a channel into <#C123|name>,
// as Slack's own client does when a person picks a name from its
// autocomplete. Unknown names stay as typed.
func encodeMentions(text, botName, botUserID string, users []sandbox.User, channels []sandbox.Channel) string {
	people := map[string]string{strings.ToLower(botName): botUserID}
	for _, u := range users {
		if u.Name != "" {
			people[strings.ToLower(u.Name)] = u.ID
		}
	}
	rooms := map[string]sandbox.Channel{}
	for _, c := range channels {
		if c.Name != "" {
			rooms[strings.ToLower(c.Name)] = c
		}
	}
	return reference.ReplaceAllStringFunc(text, func(m string) string {
		sub := reference.FindStringSubmatch(m)
		lead, sigil, word := sub[1], sub[2], sub[3]
		name := strings.TrimRight(word, ".")
		rest := word[len(name):]
		if sigil == "@" {
			if id, ok := people[strings.ToLower(name)]; ok {
				return lead + "<@" + id + ">" + rest
			}
			return m
		}
		if c, ok := rooms[strings.ToLower(name)]; ok {
			return lead + "<#" + c.ID + "|" + c.Name + ">" + rest
		}
		return m
	})
}
