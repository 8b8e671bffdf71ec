package web

import (
	"testing"

	"github.com/bastionhq/bastion/sandbox"
)

func TestEncodeMentions(t *testing.T) {
	users := []sandbox.User{{ID: "UMEMBER", Name: "mia-member"}, {ID: "UADMIN", Name: "ada-admin"}}
	channels := []sandbox.Channel{{ID: "C1", Name: "general"}, {ID: "C3", Name: "backoffice-developers"}}
	for in, want := range map[string]string{
		"@bastion help":                     "<@UBOT> help",
		"@Bastion help":                     "<@UBOT> help",
		"hi @ada-admin, see (@mia-member).": "hi <@UADMIN>, see (<@UMEMBER>).",
		"mail ann@acme.test":                "mail ann@acme.test",
		"@nobody help":                      "@nobody help",
		"<@UBOT> help":                      "<@UBOT> help",
		"@bastion.":                         "<@UBOT>.",
		"@bastion archive #general":         "<@UBOT> archive <#C1|general>",
		"in #backoffice-developers.":        "in <#C3|backoffice-developers>.",
		"issue #42 and #nosuch":             "issue #42 and #nosuch",
		"a#general":                         "a#general",
	} {
		if got := encodeMentions(in, "bastion", "UBOT", users, channels); got != want {
			t.Errorf("encodeMentions(%q) = %q, want %q", in, got, want)
		}
	}
}
