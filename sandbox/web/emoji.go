package web

// emojiChars maps Slack emoji names to the characters drawn for them.
// Names not listed are drawn as :name:.
var emojiChars = map[string]string{
	"white_check_mark":       "✅",
	"heavy_check_mark":       "✔️",
	"x":                      "❌",
	"eyes":                   "👀",
	"+1":                     "👍",
	"thumbsup":               "👍",
	"-1":                     "👎",
	"thumbsdown":             "👎",
	"tada":                   "🎉",
	"heart":                  "❤️",
	"rocket":                 "🚀",
	"warning":                "⚠️",
	"no_entry":               "⛔",
	"lock":                   "🔒",
	"hourglass":              "⌛",
	"hourglass_flowing_sand": "⏳",
	"white_circle":           "⚪",
	"large_green_circle":     "🟢",
	"red_circle":             "🔴",
	"question":               "❓",
	"raised_hands":           "🙌",
	"pray":                   "🙏",
	"wave":                   "👋",
	"robot_face":             "🤖",
	"smile":                  "😄",
}

// pickerEmoji are the reactions offered by the page's reaction picker, in
// order.
var pickerEmoji = []string{"white_check_mark", "x", "eyes", "+1", "-1", "tada", "heart", "rocket"}

// emojiChar returns the character for an emoji name, or :name:.
func emojiChar(name string) string {
	if c, ok := emojiChars[name]; ok {
		return c
	}
	return ":" + name + ":"
}
