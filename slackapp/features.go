package slackapp

import (
	"errors"
	"fmt"
	"slices"
)

// Feature is something Bastion does in Slack that needs OAuth scopes.
type Feature string

// The features and, in featureTable, the scopes each needs.
const (
	FeatureSlashCommands       Feature = "slash_commands"
	FeatureNotifications       Feature = "notifications"
	FeatureApprovalsByReaction Feature = "approvals_by_reaction"
	FeatureHelpInDM            Feature = "help_in_dm"
	FeatureBotMentions         Feature = "bot_mentions"
	FeatureChannelMessages     Feature = "channel_messages"
	FeatureUserLookup          Feature = "user_lookup"
	FeatureChannelManagement   Feature = "channel_management"
	// FeatureDisplayNames reads the names of users, channels and
	// workspaces for the admin console and the bot's messages.
	FeatureDisplayNames Feature = "display_names"
)

// ErrUnknownFeature is returned for a feature not in the table.
var ErrUnknownFeature = errors.New("unknown feature")

type featureScopes struct {
	feature Feature
	scopes  []Scope
}

// featureTable is the one place that says which scopes a feature needs.
func featureTable() []featureScopes {
	return []featureScopes{
		{FeatureSlashCommands, []Scope{ScopeCommands}},
		{FeatureNotifications, []Scope{ScopeChatWrite, ScopeChatWritePublic}},
		{FeatureApprovalsByReaction, []Scope{ScopeReactionsRead, ScopeReactionsWrite}},
		{FeatureHelpInDM, []Scope{ScopeIMHistory, ScopeIMWrite}},
		{FeatureBotMentions, []Scope{ScopeAppMentionsRead, ScopeChatWrite}},
		{FeatureChannelMessages, []Scope{ScopeChannelsHistory, ScopeGroupsHistory}},
		{FeatureUserLookup, []Scope{ScopeUsersRead}},
		{FeatureChannelManagement, []Scope{ScopeChannelsManage, ScopeGroupsWrite}},
		{FeatureDisplayNames, []Scope{ScopeUsersRead, ScopeChannelsRead, ScopeGroupsRead, ScopeTeamRead}},
	}
}

// Features lists every feature in table order.
func Features() []Feature {
	var out []Feature
	for _, f := range featureTable() {
		out = append(out, f.feature)
	}
	return out
}

// FeatureScopes returns the scopes a feature needs.
func FeatureScopes(f Feature) ([]Scope, error) {
	i := slices.IndexFunc(featureTable(), func(fs featureScopes) bool { return fs.feature == f })
	if i < 0 {
		return nil, fmt.Errorf("%w %q", ErrUnknownFeature, f)
	}
	return featureTable()[i].scopes, nil
}

// AllFeatureScopes is every scope any feature needs, in enum order: what
// the install link asks for.
func AllFeatureScopes() []string {
	var set ScopeSet
	for _, f := range featureTable() {
		for _, s := range f.scopes {
			set = set.With(s)
		}
	}
	return Scopes{Known: set}.Names()
}

// Missing returns the scopes f needs that granted lacks, by Slack name.
func Missing(granted Scopes, f Feature) ([]string, error) {
	need, err := FeatureScopes(f)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range need {
		if !granted.Known.Has(s) {
			out = append(out, s.String())
		}
	}
	return out, nil
}
