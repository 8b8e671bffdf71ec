package sandbox

import (
	"sort"
	"strconv"
	"strings"
)

// listTypeScopes maps conversations.list's types to the scope that lists
// each.
var listTypeScopes = map[string]string{
	"public_channel":  "channels:read",
	"private_channel": "groups:read",
	"im":              "im:read",
	"mpim":            "mpim:read",
}

// conversationsList answers conversations.list: the team's channels of
// the requested types (public_channel by default), each type needing its
// read scope, sorted by id and paged with limit and cursor.
func (s *Server) conversationsList(c *call) (map[string]any, *apiError) {
	types := strings.Split(c.param("types"), ",")
	if c.param("types") == "" {
		types = []string{"public_channel"}
	}
	want := map[ChannelType]bool{}
	for _, t := range types {
		t = strings.TrimSpace(t)
		scope, ok := listTypeScopes[t]
		if !ok {
			return nil, fail("invalid_types")
		}
		if err := need(c, scope); err != nil {
			return nil, err
		}
		switch t {
		case "public_channel":
			want[PublicChannel] = true
		case "private_channel":
			want[PrivateChannel] = true
		case "im":
			want[DirectMessage] = true
		}
	}
	excludeArchived := c.param("exclude_archived") == "true" || c.param("exclude_archived") == "1"
	var ids []string
	for id, ch := range s.channels {
		if ch.teamID == c.team.ID && want[ch.info.Type] && !(excludeArchived && ch.info.Archived) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	page, next, err := pageOf(ids, c.param("limit"), c.param("cursor"))
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(page))
	for _, id := range page {
		out = append(out, conversationJSON(s.channels[id]))
	}
	return map[string]any{"channels": out, "response_metadata": map[string]any{"next_cursor": next}}, nil
}

// usersList answers users.list: the team's members sorted by id, paged
// with limit and cursor.
func (s *Server) usersList(c *call) (map[string]any, *apiError) {
	if err := need(c, "users:read"); err != nil {
		return nil, err
	}
	var ids []string
	for id := range s.users[c.team.ID] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	page, next, err := pageOf(ids, c.param("limit"), c.param("cursor"))
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(page))
	for _, id := range page {
		out = append(out, userObject(c.team.ID, s.users[c.team.ID][id]))
	}
	return map[string]any{"members": out, "response_metadata": map[string]any{"next_cursor": next}}, nil
}

// cursorPrefix marks the sandbox's cursors, which carry an offset.
const cursorPrefix = "b2Zmc2V0:"

// pageOf cuts one page of ids at cursor (from the start when empty), of
// limit items (100 when 0, at most 1000), and returns the cursor of the
// next page, "" after the last.
func pageOf(ids []string, limitParam, cursor string) ([]string, string, *apiError) {
	limit := 100
	if limitParam != "" {
		n, err := strconv.Atoi(limitParam)
		if err != nil || n < 0 {
			return nil, "", fail("invalid_limit")
		}
		if n > 0 {
			limit = min(n, 1000)
		}
	}
	from := 0
	if cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(cursor, cursorPrefix))
		if !strings.HasPrefix(cursor, cursorPrefix) || err != nil || n < 0 || n > len(ids) {
			return nil, "", fail("invalid_cursor")
		}
		from = n
	}
	to := min(from+limit, len(ids))
	next := ""
	if to < len(ids) {
		next = cursorPrefix + strconv.Itoa(to)
	}
	return ids[from:to], next, nil
}
