package web

import (
	"encoding/json"
	"strings"
	"testing"
)

type fakeNames struct{}

func (fakeNames) userName(id string) string {
	if id == "U1" {
		return "Ada"
	}
	return id
}

func (fakeNames) channelName(id string) string {
	if id == "C2" {
		return "backoffice"
	}
	return id
}

func TestRenderMrkdwn(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"*bold* and _it_ and ~gone~", "<b>bold</b> and <i>it</i> and <s>gone</s>"},
		{"a*b*c stays", "a*b*c stays"},
		{"white_check_mark_here", "white_check_mark_here"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"&lt;b&gt; is text", "&lt;b&gt; is text"},
		{"use `show account <subdomain>`", "use <code>show account &lt;subdomain&gt;</code>"},
		{"see <subdomain>", "see &lt;subdomain&gt;"},
		{"hi <@U1>", `hi <span class="mention" data-user="U1">@Ada</span>`},
		{"hi <@U9|bob>", `hi <span class="mention" data-user="U9">@bob</span>`},
		{"in <#C2> and <#C3|ops>", `in <span class="mention channel-ref">#backoffice</span> and <span class="mention channel-ref">#ops</span>`},
		{"<!here> look", `<span class="mention">@here</span> look`},
		{"<https://x.test/a_b_c|the *docs*>", `<a href="https://x.test/a_b_c" target="_blank" rel="noopener noreferrer">the *docs*</a>`},
		{"<javascript:alert(1)|x>", "&lt;javascript:alert(1)|x&gt;"},
		{"done :white_check_mark:", "done ✅"},
		{"a\nb", "a<br>b"},
		{"```\n<b>*x*</b>\n```", `<pre class="code-block">&lt;b&gt;*x*&lt;/b&gt;</pre>`},
		{"\x000\x00", "0"}, // NULs cannot forge a placeholder
	}
	for _, c := range cases {
		if got := renderMrkdwn(c.in, fakeNames{}); got != c.want {
			t.Errorf("renderMrkdwn(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestRenderBlocks(t *testing.T) {
	blocks := `[
		{"type":"header","text":{"type":"plain_text","text":"Approval <needed>"}},
		{"type":"section","text":{"type":"mrkdwn","text":"*Extend* trial for <@U1>"},
		 "fields":[{"type":"mrkdwn","text":"*Days*\n14"},{"type":"plain_text","text":"plan :tada:","emoji":true}]},
		{"type":"divider"},
		{"type":"context","elements":[{"type":"mrkdwn","text":"requested in <#C2>"},{"type":"image","image_url":"https://x.test/i.png","alt_text":"logo"}]},
		{"type":"actions","block_id":"b1","elements":[{"type":"button","action_id":"approve","value":"v1","style":"primary","text":{"type":"plain_text","text":"Approve"}}]}
	]`
	got := renderBlocks(json.RawMessage(blocks), fakeNames{}, false)
	for _, want := range []string{
		`<div class="block block-header">Approval &lt;needed&gt;</div>`,
		`<b>Extend</b> trial for <span class="mention" data-user="U1">@Ada</span>`,
		`<b>Days</b><br>14`,
		`plan 🎉`,
		`<hr class="block block-divider">`,
		`requested in <span class="mention channel-ref">#backoffice</span>`,
		`[logo]`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("blocks render lacks %s\nin %s", want, got)
		}
	}
	if strings.Contains(got, "Approve") {
		t.Errorf("buttons drawn although the page cannot click them: %s", got)
	}
	withButtons := renderBlocks(json.RawMessage(blocks), fakeNames{}, true)
	if !strings.Contains(withButtons, `data-action-id="approve"`) || !strings.Contains(withButtons, ">Approve</button>") {
		t.Errorf("buttons missing: %s", withButtons)
	}
	if got := renderBlocks(json.RawMessage(`[{"type":"rich_text"}]`), fakeNames{}, false); got != "" {
		t.Errorf("unknown blocks rendered as %q, want nothing so the text is shown", got)
	}
	if got := renderBlocks(json.RawMessage(`not json`), fakeNames{}, false); got != "" {
		t.Errorf("bad blocks rendered as %q", got)
	}
}
