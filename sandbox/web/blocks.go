package web

import (
	"encoding/json"
	"html"
	"strings"
)

// textObject is a Block Kit text object.
type textObject struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji"`
}

// block is the part of a Block Kit block the page draws.
type block struct {
	Type     string            `json:"type"`
	BlockID  string            `json:"block_id"`
	Text     *textObject       `json:"text"`
	Fields   []textObject      `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
	// Accessory is a section's side element, such as a button.
	Accessory json.RawMessage `json:"accessory"`
}

// element is a context or actions element.
type element struct {
	Type     string          `json:"type"`
	Text     json.RawMessage `json:"text"`
	ActionID string          `json:"action_id"`
	Value    string          `json:"value"`
	Style    string          `json:"style"`
	AltText  string          `json:"alt_text"`
}

// renderBlocks draws section, header, context, divider and actions blocks
// as safe HTML; buttons (in actions blocks and as section accessories) are
// drawn only when buttons is set. It returns "" when the blocks hold
// nothing it can draw, so that the caller falls back to the message text.
func renderBlocks(raw json.RawMessage, n names, buttons bool) string {
	if len(raw) == 0 {
		return ""
	}
	var blocks []block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return ""
	}
	var b strings.Builder
	for _, bl := range blocks {
		switch bl.Type {
		case "section":
			b.WriteString(`<div class="block block-section">`)
			if bl.Text != nil {
				b.WriteString(`<div class="block-text">` + renderText(*bl.Text, n) + `</div>`)
			}
			if len(bl.Fields) > 0 {
				b.WriteString(`<div class="block-fields">`)
				for _, f := range bl.Fields {
					b.WriteString(`<div class="block-field">` + renderText(f, n) + `</div>`)
				}
				b.WriteString(`</div>`)
			}
			if buttons && len(bl.Accessory) > 0 {
				b.WriteString(renderButtons(bl.BlockID, []json.RawMessage{bl.Accessory}, n))
			}
			b.WriteString(`</div>`)
		case "header":
			if bl.Text != nil {
				b.WriteString(`<div class="block block-header">` + renderText(*bl.Text, n) + `</div>`)
			}
		case "context":
			var parts []string
			for _, raw := range bl.Elements {
				var el element
				if json.Unmarshal(raw, &el) != nil {
					continue
				}
				switch el.Type {
				case "mrkdwn", "plain_text":
					var t textObject
					if json.Unmarshal(raw, &t) == nil {
						parts = append(parts, `<span>`+renderText(t, n)+`</span>`)
					}
				case "image":
					if el.AltText != "" {
						parts = append(parts, `<span class="image-alt">[`+html.EscapeString(el.AltText)+`]</span>`)
					}
				}
			}
			if len(parts) > 0 {
				b.WriteString(`<div class="block block-context">` + strings.Join(parts, " ") + `</div>`)
			}
		case "divider":
			b.WriteString(`<hr class="block block-divider">`)
		case "actions":
			if buttons {
				b.WriteString(renderButtons(bl.BlockID, bl.Elements, n))
			}
		}
	}
	return b.String()
}

// renderButtons draws the buttons among elements; the page sends a click
// on one to the sandbox as the acting person.
func renderButtons(blockID string, elements []json.RawMessage, n names) string {
	var b strings.Builder
	for _, raw := range elements {
		var el element
		if json.Unmarshal(raw, &el) != nil || el.Type != "button" {
			continue
		}
		var label textObject
		if json.Unmarshal(el.Text, &label) != nil {
			continue
		}
		class := "block-button"
		if el.Style == "primary" || el.Style == "danger" {
			class += " " + el.Style
		}
		b.WriteString(`<button type="button" class="` + class + `" data-testid="block-button"` +
			` data-block-id="` + html.EscapeString(blockID) + `"` +
			` data-action-id="` + html.EscapeString(el.ActionID) + `"` +
			` data-value="` + html.EscapeString(el.Value) + `">` + renderText(label, n) + `</button>`)
	}
	if b.Len() == 0 {
		return ""
	}
	return `<div class="block block-actions">` + b.String() + `</div>`
}

// renderText draws a text object: mrkdwn is rendered, plain_text escaped
// (with emoji names drawn when it asks for it).
func renderText(t textObject, n names) string {
	if t.Type == "mrkdwn" {
		return renderMrkdwn(t.Text, n)
	}
	out := html.EscapeString(t.Text)
	if t.Emoji {
		out = emojiName.ReplaceAllStringFunc(out, func(m string) string {
			if c, ok := emojiChars[m[1:len(m)-1]]; ok {
				return c
			}
			return m
		})
	}
	return strings.ReplaceAll(out, "\n", "<br>")
}
