package codegen

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/bastionhq/bastion/authz"
)

var enumValueLine = regexp.MustCompile(`^\s*([A-Z0-9_]+)\s*=\s*([0-9]+)\s*;`)
var enumStart = regexp.MustCompile(`^\s*enum\s+([A-Za-z]+)\s*\{`)
var reservedLine = regexp.MustCompile(`^\s*reserved\s+([0-9, ]+);`)

// existingNumbers reads enum value numbers (and reserved numbers) from a
// previously generated file, so numbers never change once given.
func existingNumbers(src []byte) map[string]map[string]int {
	out := map[string]map[string]int{}
	enum := ""
	for _, line := range bytes.Split(src, []byte("\n")) {
		if m := enumStart.FindSubmatch(line); m != nil {
			enum = string(m[1])
			out[enum] = map[string]int{}
			continue
		}
		if enum == "" {
			continue
		}
		if m := enumValueLine.FindSubmatch(line); m != nil {
			n, _ := strconv.Atoi(string(m[2]))
			out[enum][string(m[1])] = n
		}
		if m := reservedLine.FindSubmatch(line); m != nil {
			for _, f := range bytes.Split(m[1], []byte(",")) {
				if n, err := strconv.Atoi(string(bytes.TrimSpace(f))); err == nil {
					out[enum][fmt.Sprintf("reserved %d", n)] = n
				}
			}
		}
	}
	return out
}

// protoFile renders the enums. Values keep their numbers across runs; new
// names get the next free number; removed names' numbers are reserved.
func protoFile(cat *authz.Catalog, existing []byte) ([]byte, error) {
	old := existingNumbers(existing)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// %s\n\nsyntax = \"proto3\";\n\npackage bastion.permissions.v1;\n\n", Header)
	b.WriteString("option go_package = \"github.com/bastionhq/bastion/gen/bastion/permissions/v1;permissionsv1\";\n")
	for _, e := range []struct {
		enum, prefix string
		names        []string
	}{
		{"Permission", "PERMISSION_", cat.PermissionNames()},
		{"Role", "ROLE_", cat.RoleNames()},
		{"Action", "ACTION_", cat.ActionNames()},
	} {
		fmt.Fprintf(&b, "\n// %s names what the roles file declares.\nenum %s {\n  %sUNSPECIFIED = 0;\n", e.enum, e.enum, e.prefix)
		nums, next, used := old[e.enum], 1, map[int]bool{}
		for _, n := range nums {
			next = max(next, n+1)
		}
		type value struct {
			name string
			n    int
		}
		var values []value
		for _, name := range e.names {
			v := e.prefix + enumName(name)
			n, ok := nums[v]
			if !ok {
				n = next
				next++
			}
			if used[n] {
				return nil, fmt.Errorf("enum %s: number %d given twice (is %s hand-edited?)", e.enum, n, v)
			}
			used[n] = true
			values = append(values, value{v, n})
		}
		sort.Slice(values, func(i, j int) bool { return values[i].n < values[j].n })
		for _, v := range values {
			fmt.Fprintf(&b, "  %s = %d;\n", v.name, v.n)
		}
		var reserved []int
		for _, n := range nums {
			if n > 0 && !used[n] {
				reserved = append(reserved, n)
			}
		}
		sort.Ints(reserved)
		if len(reserved) > 0 {
			parts := make([]string, len(reserved))
			for i, n := range reserved {
				parts[i] = strconv.Itoa(n)
			}
			fmt.Fprintf(&b, "  reserved %s;\n", joinComma(parts))
		}
		b.WriteString("}\n")
	}
	return b.Bytes(), nil
}

func joinComma(parts []string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p)
	}
	return b.String()
}
