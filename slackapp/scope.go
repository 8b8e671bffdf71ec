package slackapp

import "fmt"

// Scope is an OAuth scope Bastion knows. Values are stored in databases as
// bit positions: new scopes are appended, existing ones never renumbered.
type Scope uint8

// The known scopes. Append only.
const (
	ScopeCommands           Scope = 0
	ScopeChatWrite          Scope = 1
	ScopeChatWritePublic    Scope = 2
	ScopeReactionsRead      Scope = 3
	ScopeReactionsWrite     Scope = 4
	ScopeIMHistory          Scope = 5
	ScopeIMWrite            Scope = 6
	ScopeAppMentionsRead    Scope = 7
	ScopeChannelsHistory    Scope = 8
	ScopeGroupsHistory      Scope = 9
	ScopeUsersRead          Scope = 10
	ScopeChannelsRead       Scope = 11
	ScopeGroupsRead         Scope = 12
	ScopeIMRead             Scope = 13
	ScopeMPIMRead           Scope = 14
	ScopeMPIMHistory        Scope = 15
	ScopeUsersReadEmail     Scope = 16
	ScopeTeamRead           Scope = 17
	ScopeChatWriteCustomize Scope = 18
	ScopeChannelsManage     Scope = 19
	ScopeGroupsWrite        Scope = 20
)

// scopeCount is the number of known scopes; raise it when appending.
const scopeCount = 21

// KnownScopes returns every known scope in enum order.
func KnownScopes() []Scope {
	out := make([]Scope, scopeCount)
	for i := range out {
		out[i] = Scope(i)
	}
	return out
}

// String is Slack's name of the scope.
func (s Scope) String() string {
	switch s {
	case ScopeCommands:
		return "commands"
	case ScopeChatWrite:
		return "chat:write"
	case ScopeChatWritePublic:
		return "chat:write.public"
	case ScopeReactionsRead:
		return "reactions:read"
	case ScopeReactionsWrite:
		return "reactions:write"
	case ScopeIMHistory:
		return "im:history"
	case ScopeIMWrite:
		return "im:write"
	case ScopeAppMentionsRead:
		return "app_mentions:read"
	case ScopeChannelsHistory:
		return "channels:history"
	case ScopeGroupsHistory:
		return "groups:history"
	case ScopeUsersRead:
		return "users:read"
	case ScopeChannelsRead:
		return "channels:read"
	case ScopeGroupsRead:
		return "groups:read"
	case ScopeIMRead:
		return "im:read"
	case ScopeMPIMRead:
		return "mpim:read"
	case ScopeMPIMHistory:
		return "mpim:history"
	case ScopeUsersReadEmail:
		return "users:read.email"
	case ScopeTeamRead:
		return "team:read"
	case ScopeChatWriteCustomize:
		return "chat:write.customize"
	case ScopeChannelsManage:
		return "channels:manage"
	case ScopeGroupsWrite:
		return "groups:write"
	}
	return fmt.Sprintf("scope(%d)", uint8(s))
}

// LookupScope finds a known scope by its Slack name.
func LookupScope(name string) (Scope, bool) {
	for _, s := range KnownScopes() {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}
