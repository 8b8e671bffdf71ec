package web

import (
	"testing"

	"github.com/bastionhq/bastion/sandbox"
)

func TestEncodeMentions(t *testing.T) {
	users := []sandbox.User{{ID: "UMEMBER", Name: "mia-member"}, {ID: "UADMIN", Name: "ada-admin"}}
	for in, want := range map[string]string{
		"@bastion help":                     "<@UBOT> help",
		"@Bastion help":                     "<@UBOT> help",
		"hi @ada-admin, see (@mia-member).": "hi <@UADMIN>, see (<@UMEMBER>).",
		"mail ann@acme.test":                "mail ann@acme.test",
		"@nobody help":                      "@nobody help",
		"<@UBOT> help":                      "<@UBOT> help",
		"@bastion.":                         "<@UBOT>.",
	} {
		if got := encodeMentions(in, "bastion", "UBOT", users); got != want {
			t.Errorf("encodeMentions(%q) = %q, want %q", in, got, want)
		}
	}
}
