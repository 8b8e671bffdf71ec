package httpcommand

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Limits of an endpoint's answer.
const (
	// MaxAnswerSize bounds the body of an answer; a larger one is refused
	// unread.
	MaxAnswerSize = 256 << 10
	// MaxBlocks is Slack's limit on the blocks of a message.
	MaxBlocks = 50
	// MaxTextLength is the longest text posted (Slack truncates messages
	// at 40,000 characters); longer text is cut.
	MaxTextLength = 39000
)

// Answer is an endpoint's JSON answer: mrkdwn text, Block Kit blocks, or
// both (text is then the notification and fallback text).
type Answer struct {
	Text string `json:"text"`
	// Blocks is the answer's blocks array, compacted; nil when absent.
	Blocks json.RawMessage `json:"blocks"`
}

// DecodeAnswer reads an answer: one JSON object with a non-blank "text"
// string, a "blocks" array of 1 to MaxBlocks objects that each have a
// "type", or both. Other keys are ignored. Text longer than MaxTextLength
// characters is cut.
func DecodeAnswer(body []byte) (Answer, error) {
	if len(body) > MaxAnswerSize {
		return Answer{}, fmt.Errorf("the answer is larger than %d bytes", MaxAnswerSize)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return Answer{}, errors.New(`the answer is empty: want {"text": "…"} or {"blocks": […]}`)
	}
	if trimmed[0] != '{' {
		return Answer{}, fmt.Errorf(`the answer is not a JSON object (it starts %q): want {"text": "…"} or {"blocks": […]}`, clip(string(trimmed), 40))
	}
	var raw struct {
		Text   *json.RawMessage `json:"text"`
		Blocks *json.RawMessage `json:"blocks"`
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&raw); err != nil {
		return Answer{}, fmt.Errorf("the answer is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Answer{}, errors.New("the answer has more after its JSON object")
	}
	var a Answer
	if raw.Text != nil && string(*raw.Text) != "null" {
		if err := json.Unmarshal(*raw.Text, &a.Text); err != nil {
			return Answer{}, errors.New(`"text" must be a string`)
		}
	}
	if raw.Blocks != nil && string(*raw.Blocks) != "null" {
		blocks, err := checkBlocks(*raw.Blocks)
		if err != nil {
			return Answer{}, err
		}
		a.Blocks = blocks
	}
	if strings.TrimSpace(a.Text) == "" && a.Blocks == nil {
		return Answer{}, errors.New(`the answer has neither "text" nor "blocks"`)
	}
	if utf8.RuneCountInString(a.Text) > MaxTextLength {
		a.Text = string([]rune(a.Text)[:MaxTextLength]) + "…"
	}
	return a, nil
}

// checkBlocks checks that raw is an array of 1 to MaxBlocks objects, each
// with a non-empty string "type", and returns it compacted. Slack checks
// the rest when the blocks are posted.
func checkBlocks(raw json.RawMessage) (json.RawMessage, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New(`"blocks" must be an array of block objects`)
	}
	if len(list) == 0 || len(list) > MaxBlocks {
		return nil, fmt.Errorf(`"blocks" holds %d blocks: want 1 to %d`, len(list), MaxBlocks)
	}
	for i, b := range list {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &head); err != nil || head.Type == "" {
			return nil, fmt.Errorf(`block %d is not an object with a "type"`, i+1)
		}
	}
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, fmt.Errorf(`"blocks": %v`, err)
	}
	return out.Bytes(), nil
}

// Summary is the answer as plain mrkdwn text: its text, or else the text
// its blocks show (for places that take no blocks, such as a dry run in
// the request for approval, and for notifications).
func (a Answer) Summary() string {
	if strings.TrimSpace(a.Text) != "" {
		return a.Text
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(a.Blocks, &list) != nil {
		return ""
	}
	var lines []string
	for _, b := range list {
		lines = append(lines, textsOf(b)...)
	}
	return strings.Join(lines, "\n")
}

// textsOf collects the texts a block shows: its text object, its fields
// and the texts of its elements (context blocks).
func textsOf(b map[string]json.RawMessage) []string {
	var out []string
	if t := textOf(b["text"]); t != "" {
		out = append(out, t)
	}
	for _, key := range []string{"fields", "elements"} {
		var items []json.RawMessage
		if json.Unmarshal(b[key], &items) != nil {
			continue
		}
		for _, it := range items {
			if t := textOf(it); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// textOf is the "text" of a text object, "" for anything else.
func textOf(raw json.RawMessage) string {
	var obj struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	return obj.Text
}

// slackBlocks are the answer's blocks as slack-go posts them, unchanged.
func (a Answer) slackBlocks() []slack.Block {
	var list []json.RawMessage
	if json.Unmarshal(a.Blocks, &list) != nil {
		return nil
	}
	out := make([]slack.Block, len(list))
	for i, b := range list {
		var head struct {
			Type    string `json:"type"`
			BlockID string `json:"block_id"`
		}
		_ = json.Unmarshal(b, &head) // checked by DecodeAnswer
		out[i] = rawBlock{typ: head.Type, id: head.BlockID, raw: b}
	}
	return out
}

// rawBlock passes a block through to Slack exactly as the endpoint wrote
// it.
type rawBlock struct {
	typ, id string
	raw     json.RawMessage
}

func (b rawBlock) BlockType() slack.MessageBlockType { return slack.MessageBlockType(b.typ) }
func (b rawBlock) ID() string                        { return b.id }
func (b rawBlock) MarshalJSON() ([]byte, error)      { return b.raw, nil }
