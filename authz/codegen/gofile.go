package codegen

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// goFile renders the Go constants and registry.
func goFile(cat *authz.Catalog, pkg string) ([]byte, error) {
	var b bytes.Buffer
	seen := map[string]string{}
	ident := func(prefix, name string) (string, error) {
		id := prefix + goName(name)
		if other, dup := seen[id]; dup {
			return "", fmt.Errorf("%s and %s both become the Go name %s", other, name, id)
		}
		seen[id] = name
		return id, nil
	}
	fmt.Fprintf(&b, "// %s\n\n", Header)
	fmt.Fprintf(&b, "// Package %s names the permissions, roles and actions of the roles file,\n// so code refers to them by constant and the compiler catches typos.\npackage %s\n\nimport \"time\"\n\n", pkg, pkg)
	b.WriteString("// Permission is a permission name.\ntype Permission string\n\n// Role is a role name.\ntype Role string\n\n// Action is a policy action name.\ntype Action string\n\n")
	b.WriteString("// Permissions.\nconst (\n")
	for _, name := range cat.PermissionNames() {
		p := cat.Permissions[name]
		id, err := ident("", name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\t// %s: %s Applies to %s.\n\t%s Permission = %s\n", id, strings.TrimSpace(p.Description), strings.Join(p.AppliesTo, ", "), id, quote(name))
	}
	b.WriteString(")\n\n// Roles.\nconst (\n")
	for _, name := range cat.RoleNames() {
		id, err := ident("Role", name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\t// %s: %s\n\t%s Role = %s\n", id, strings.TrimSpace(cat.Roles[name].Description), id, quote(name))
	}
	b.WriteString(")\n\n// Actions.\nconst (\n")
	for _, name := range cat.ActionNames() {
		id, err := ident("Action", name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\t// %s is the policy on %s entities.\n\t%s Action = %s\n", id, cat.Policies[name].EntityType, id, quote(name))
	}
	b.WriteString(")\n\n// PermissionInfo describes a declared permission.\ntype PermissionInfo struct {\n\tName        Permission\n\tDescription string\n\tAppliesTo   []string\n}\n\n")
	b.WriteString("// All lists every declared permission, sorted by name.\nfunc All() []PermissionInfo {\n\treturn []PermissionInfo{\n")
	for _, name := range cat.PermissionNames() {
		p := cat.Permissions[name]
		fmt.Fprintf(&b, "\t\t{Name: %s, Description: %s, AppliesTo: []string{%s}},\n", goName(name), quote(p.Description), quotedList(p.AppliesTo))
	}
	b.WriteString("\t}\n}\n\n// RolePermissions maps each role of the roles file to its permissions.\nfunc RolePermissions() map[Role][]Permission {\n\treturn map[Role][]Permission{\n")
	for _, name := range cat.RoleNames() {
		var perms []string
		for _, p := range cat.Roles[name].Permissions {
			perms = append(perms, goName(p))
		}
		fmt.Fprintf(&b, "\t\tRole%s: {%s},\n", goName(name), strings.Join(perms, ", "))
	}
	b.WriteString("\t}\n}\n")
	goRequestPolicies(&b, cat)
	return format.Source(b.Bytes())
}

func quotedList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}

// goRequestPolicies renders the request policy of every role that can be
// requested for a limited time.
func goRequestPolicies(b *bytes.Buffer, cat *authz.Catalog) {
	b.WriteString("\n// RequestPolicy says how a role may be requested for a limited time:\n" +
		"// its longest grant, how many people besides the requester approve,\n" +
		"// what they hold on the entity, and whether the holder may extend alone\n" +
		"// within MaxDuration.\ntype RequestPolicy struct {\n\tMaxDuration        time.Duration\n" +
		"\tApprovals          int\n\tApproverPermission Permission\n\tSelfExtend         bool\n}\n\n")
	b.WriteString("// RequestPolicies maps each role that can be requested to its policy.\nfunc RequestPolicies() map[Role]RequestPolicy {\n\treturn map[Role]RequestPolicy{\n")
	for _, name := range cat.RoleNames() {
		p, ok := cat.RequestPolicyOf(name)
		if !ok {
			continue
		}
		fmt.Fprintf(b, "\t\tRole%s: {MaxDuration: %s, Approvals: %d, ApproverPermission: %s, SelfExtend: %t},\n",
			goName(name), goDuration(p.MaxDuration), p.Approvals, goName(p.ApproverPermission), p.SelfExtend)
	}
	b.WriteString("\t}\n}\n")
}

// goDuration writes d as a Go expression in the largest whole unit.
func goDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "time.Hour"}, {time.Minute, "time.Minute"}, {time.Second, "time.Second"}} {
		if d%u.d == 0 {
			return fmt.Sprintf("%d * %s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("%d", int64(d))
}
