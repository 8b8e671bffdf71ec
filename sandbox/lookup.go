package sandbox

func (s *Server) authTest(c *call) (map[string]any, *apiError) {
	out := map[string]any{
		"url":                   "https://" + c.team.Domain + ".slack.com/",
		"team":                  c.team.Name,
		"user":                  "bastion",
		"team_id":               c.team.ID,
		"user_id":               s.opts.BotUserID,
		"bot_id":                s.opts.BotID,
		"is_enterprise_install": false,
	}
	if c.team.EnterpriseID != "" {
		out["enterprise_id"] = c.team.EnterpriseID
	}
	return out, nil
}

func (s *Server) conversationsInfo(c *call) (map[string]any, *apiError) {
	ch, ok := s.channels[c.param("channel")]
	if !ok || ch.teamID != c.team.ID {
		return nil, fail("channel_not_found")
	}
	scope := map[ChannelType]string{PublicChannel: "channels:read", PrivateChannel: "groups:read", DirectMessage: "im:read"}[ch.info.Type]
	if err := need(c, scope); err != nil {
		return nil, err
	}
	return map[string]any{"channel": conversationJSON(ch)}, nil
}

// conversationJSON renders a channel as conversations.info and
// conversations.list do.
func conversationJSON(ch *channelState) map[string]any {
	info := map[string]any{
		"id":              ch.info.ID,
		"name":            ch.info.Name,
		"is_channel":      ch.info.Type == PublicChannel,
		"is_group":        ch.info.Type == PrivateChannel,
		"is_im":           ch.info.Type == DirectMessage,
		"is_mpim":         false,
		"is_private":      ch.info.Type != PublicChannel,
		"is_member":       true,
		"is_archived":     ch.info.Archived,
		"context_team_id": ch.teamID,
	}
	if ch.info.Creator != "" {
		info["creator"] = ch.info.Creator
	}
	if ch.info.Type == DirectMessage {
		info["user"] = ch.info.User
		delete(info, "name")
	}
	return info
}

func (s *Server) usersInfo(c *call) (map[string]any, *apiError) {
	if err := need(c, "users:read"); err != nil {
		return nil, err
	}
	u, ok := s.users[c.team.ID][c.param("user")]
	if !ok {
		return nil, fail("user_not_found")
	}
	return map[string]any{"user": userObject(c.team.ID, u)}, nil
}

// userObject is a user as users.info, users.list and user_change carry it.
func userObject(teamID string, u *User) map[string]any {
	return map[string]any{
		"id":                  u.ID,
		"team_id":             teamID,
		"name":                u.Name,
		"real_name":           u.RealName,
		"deleted":             false,
		"is_admin":            u.IsAdmin,
		"is_owner":            u.IsOwner,
		"is_primary_owner":    u.IsPrimaryOwner,
		"is_restricted":       u.IsRestricted,
		"is_ultra_restricted": u.IsUltraRestricted,
		"is_bot":              u.IsBot,
		"profile":             map[string]any{"real_name": u.RealName, "display_name": u.Name, "team": teamID},
	}
}

// teamInfo answers team.info about the caller's workspace, or another
// workspace of its organisation named by team.
func (s *Server) teamInfo(c *call) (map[string]any, *apiError) {
	if err := need(c, "team:read"); err != nil {
		return nil, err
	}
	t := c.team
	if id := c.param("team"); id != "" && id != t.ID {
		other, ok := s.teams[id]
		if !ok || t.EnterpriseID == "" || other.EnterpriseID != t.EnterpriseID {
			return nil, fail("team_not_found")
		}
		t = other
	}
	info := map[string]any{"id": t.ID, "name": t.Name, "domain": t.Domain, "email_domain": ""}
	if t.EnterpriseID != "" {
		info["enterprise_id"] = t.EnterpriseID
		info["enterprise_name"] = t.EnterpriseName
	}
	return map[string]any{"team": info}, nil
}
