package httpcommand_test

import (
	"strings"
	"testing"

	"github.com/bastionhq/bastion/internal/httpcommand"
)

func TestDecodeAnswer(t *testing.T) {
	for name, c := range map[string]struct {
		body, text, blocks, summary, err string
	}{
		"text":               {body: `{"text":"Refunded *500* cents."}`, text: "Refunded *500* cents.", summary: "Refunded *500* cents."},
		"extra keys":         {body: ` {"text":"ok","ok":true,"id":7} `, text: "ok", summary: "ok"},
		"blocks":             {body: `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*Done*"},"fields":[{"type":"mrkdwn","text":"a"}]},{"type":"context","elements":[{"type":"mrkdwn","text":"b"},{"type":"image","image_url":"x"}]}]}`, blocks: `[{"type":"section","text":{"type":"mrkdwn","text":"*Done*"},"fields":[{"type":"mrkdwn","text":"a"}]},{"type":"context","elements":[{"type":"mrkdwn","text":"b"},{"type":"image","image_url":"x"}]}]`, summary: "*Done*\na\nb"},
		"both":               {body: `{"text":"fallback","blocks":[{"type":"divider"}]}`, text: "fallback", blocks: `[{"type":"divider"}]`, summary: "fallback"},
		"null blocks":        {body: `{"text":"t","blocks":null}`, text: "t", summary: "t"},
		"empty":              {body: "", err: "the answer is empty"},
		"html":               {body: "<html>oops</html>", err: `not a JSON object (it starts "<html>oops</html>")`},
		"array":              {body: `[{"text":"x"}]`, err: "not a JSON object"},
		"broken json":        {body: `{"text":"x"`, err: "not valid JSON"},
		"two objects":        {body: `{"text":"x"}{"text":"y"}`, err: "more after its JSON object"},
		"text not string":    {body: `{"text":5}`, err: `"text" must be a string`},
		"blank text":         {body: `{"text":"  "}`, err: `neither "text" nor "blocks"`},
		"nothing":            {body: `{}`, err: `neither "text" nor "blocks"`},
		"blocks not array":   {body: `{"blocks":{"type":"divider"}}`, err: `"blocks" must be an array`},
		"no blocks":          {body: `{"blocks":[]}`, err: `holds 0 blocks`},
		"too many blocks":    {body: `{"blocks":[` + strings.Repeat(`{"type":"divider"},`, 50) + `{"type":"divider"}]}`, err: "holds 51 blocks: want 1 to 50"},
		"block without type": {body: `{"blocks":[{"text":"x"}]}`, err: `block 1 is not an object with a "type"`},
		"block not object":   {body: `{"blocks":[{"type":"divider"},"x"]}`, err: `block 2 is not an object`},
		"too large":          {body: `{"text":"` + strings.Repeat("a", httpcommand.MaxAnswerSize) + `"}`, err: "larger than"},
	} {
		t.Run(name, func(t *testing.T) {
			a, err := httpcommand.DecodeAnswer([]byte(c.body))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("DecodeAnswer = %+v, %v; want an error with %q", a, err, c.err)
				}
				return
			}
			if err != nil || a.Text != c.text || string(a.Blocks) != c.blocks || a.Summary() != c.summary {
				t.Fatalf("DecodeAnswer = text %q blocks %s summary %q, %v", a.Text, a.Blocks, a.Summary(), err)
			}
		})
	}
}

func TestDecodeAnswerCutsLongText(t *testing.T) {
	a, err := httpcommand.DecodeAnswer([]byte(`{"text":"` + strings.Repeat("é", httpcommand.MaxTextLength+10) + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(a.Text)); n != httpcommand.MaxTextLength+1 || !strings.HasSuffix(a.Text, "…") {
		t.Fatalf("text of %d characters after the cut", n)
	}
}
