package codegen

import (
	"strings"
	"unicode"
)

// goName turns ARCHIVE_CHANNEL or channel.archive into ArchiveChannel or
// ChannelArchive.
func goName(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if r == '_' || r == '.' || r == '-' || r == ':' {
			upper = true
			continue
		}
		if upper {
			b.WriteRune(unicode.ToUpper(r))
			upper = false
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// enumName turns ARCHIVE_CHANNEL or channel.archive into ARCHIVE_CHANNEL or
// CHANNEL_ARCHIVE, for protobuf enum values.
func enumName(s string) string {
	return strings.ToUpper(strings.NewReplacer(".", "_", "-", "_", ":", "_").Replace(s))
}

// quote renders s as a double-quoted string literal valid in Go and
// TypeScript (descriptions are plain text).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			if r < 0x20 {
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
