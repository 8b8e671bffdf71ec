package codegen

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// tsFile renders a TypeScript module of the names, for front ends.
func tsFile(cat *authz.Catalog) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// %s\n\n", Header)
	b.WriteString("/** Every declared permission, with its description. */\nexport const Permissions = {\n")
	for _, name := range cat.PermissionNames() {
		fmt.Fprintf(&b, "  %s: %s,\n", name, quote(cat.Permissions[name].Description))
	}
	b.WriteString("} as const;\n\n/** A permission name. */\nexport type Permission = keyof typeof Permissions;\n\n")
	b.WriteString("/** Every role of the roles file, with its permissions. */\nexport const Roles = {\n")
	for _, name := range cat.RoleNames() {
		fmt.Fprintf(&b, "  %s: [%s],\n", name, quotedList(cat.Roles[name].Permissions))
	}
	b.WriteString("} as const satisfies Record<string, readonly Permission[]>;\n\n/** A role name. */\nexport type Role = keyof typeof Roles;\n\n")
	b.WriteString("/** Every policy action, with the entity type it applies to. */\nexport const Actions = {\n")
	for _, name := range cat.ActionNames() {
		fmt.Fprintf(&b, "  %s: %s,\n", quote(name), quote(cat.Policies[name].EntityType))
	}
	b.WriteString("} as const;\n\n/** A policy action name. */\nexport type Action = keyof typeof Actions;\n")
	b.WriteString("\n/** The roles that can be requested for a limited time, with their policy. */\nexport const RequestPolicies = {\n")
	for _, name := range cat.RoleNames() {
		if p, ok := cat.RequestPolicyOf(name); ok {
			fmt.Fprintf(&b, "  %s: { maxDurationSeconds: %d, approvals: %d, approverPermission: %s, selfExtend: %t },\n",
				name, int64(p.MaxDuration/time.Second), p.Approvals, quote(p.ApproverPermission), p.SelfExtend)
		}
	}
	b.WriteString("} as const satisfies Partial<Record<Role, { maxDurationSeconds: number; approvals: number; approverPermission: Permission; selfExtend: boolean }>>;\n")
	return []byte(strings.ReplaceAll(b.String(), "\t", "  "))
}
