package rolesfile

import (
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz"
)

// requestPolicy reads a role's request block: whether and how the role
// can be requested for a limited time.
//
//	request:
//	  max_duration: 4h            # required, 1m to 720h
//	  approvals: 1                # people besides the requester, 1 to 10 (default 1)
//	  approver_permission: ASSIGN_ROLES   # held on the entity (default ASSIGN_ROLES)
//	  self_extend: true           # extend alone within max_duration (default false)
func (p *parser) requestPolicy(role string, n *yaml.Node) {
	f := p.fields(n, "role "+role+" request", "max_duration", "approvals", "approver_permission", "self_extend")
	if n.Kind != yaml.MappingNode {
		return
	}
	pol := authz.RequestPolicy{Approvals: 1, ApproverPermission: authz.PermAssignRoles}
	ok := true
	switch v := p.scalar(f["max_duration"], "max_duration"); {
	case f["max_duration"] == nil:
		p.errorf(n, "role %s request: max_duration is required (such as 4h)", role)
		ok = false
	default:
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			p.errorf(f["max_duration"], "role %s request: max_duration %q is not a duration (such as 30m, 4h or 1h30m)", role, v)
			ok = false
		case d < authz.MinRequestDuration || d > authz.MaxRequestDuration:
			p.errorf(f["max_duration"], "role %s request: max_duration %s is outside %s to %s", role, v,
				authz.MinRequestDuration, authz.MaxRequestDuration)
			ok = false
		default:
			pol.MaxDuration = d
		}
	}
	if f["approvals"] != nil {
		v := p.scalar(f["approvals"], "approvals")
		k, err := strconv.Atoi(v)
		switch {
		case err != nil:
			p.errorf(f["approvals"], "role %s request: approvals %q is not a whole number", role, v)
			ok = false
		case k < 1 || k > authz.MaxRequestApprovals:
			p.errorf(f["approvals"], "role %s request: approvals %d is outside 1 to %d (the requester never counts, so at least one other person must approve)",
				role, k, authz.MaxRequestApprovals)
			ok = false
		default:
			pol.Approvals = k
		}
	}
	if f["approver_permission"] != nil {
		v := p.scalar(f["approver_permission"], "approver_permission")
		if _, known := p.cat.Permissions[v]; !known {
			p.errorf(f["approver_permission"], "role %s request: unknown approver_permission %s", role, v)
			ok = false
		} else {
			pol.ApproverPermission = v
		}
	} else if _, known := p.cat.Permissions[authz.PermAssignRoles]; !known {
		p.errorf(n, "role %s request: approvers need %s by default, which this file does not declare; name an approver_permission",
			role, authz.PermAssignRoles)
		ok = false
	}
	if f["self_extend"] != nil {
		v := p.scalar(f["self_extend"], "self_extend")
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			p.errorf(f["self_extend"], "role %s request: self_extend %q is not true or false", role, v)
			ok = false
		}
		pol.SelfExtend = b
	}
	if ok {
		p.cat.Requests[role] = pol
	}
}
