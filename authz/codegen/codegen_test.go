package codegen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/codegen"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

const base = `entity_types:
  - name: channel
permissions:
  - name: ARCHIVE_CHANNEL
    description: Archive "it".
    applies_to: [channel]
  - name: RENAME_CHANNEL
    applies_to: [channel]
roles:
  - name: CHANNELS_ADMIN
    permissions: [ARCHIVE_CHANNEL, RENAME_CHANNEL]
policies:
  - action: channel.archive
    entity_type: channel
    rules: [allow_if_has_permission: ARCHIVE_CHANNEL]
`

func generate(t *testing.T, root, roles string) []codegen.File {
	t.Helper()
	cat, err := rolesfile.Parse("roles.yaml", []byte(roles))
	if err != nil {
		t.Fatal(err)
	}
	files, err := codegen.Generate(cat, root, codegen.DefaultPaths)
	if err != nil {
		t.Fatal(err)
	}
	if err := codegen.Write(root, files); err != nil {
		t.Fatal(err)
	}
	return files
}

func read(t *testing.T, root, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestProtoNumbersNeverChange(t *testing.T) {
	root := t.TempDir()
	generate(t, root, base)
	proto := read(t, root, codegen.DefaultPaths.Proto)
	for _, want := range []string{"PERMISSION_ARCHIVE_CHANNEL = 1;", "PERMISSION_RENAME_CHANNEL = 2;", "ACTION_CHANNEL_ARCHIVE = 1;"} {
		if !strings.Contains(proto, want) {
			t.Fatalf("first run lacks %q:\n%s", want, proto)
		}
	}
	// A permission that sorts first is added, one is removed: old numbers
	// stay, the new one is appended, the removed one is reserved.
	next := strings.Replace(base, "  - name: RENAME_CHANNEL\n    applies_to: [channel]\n", "  - name: ADD_USER\n    applies_to: [channel]\n", 1)
	next = strings.Replace(next, "[ARCHIVE_CHANNEL, RENAME_CHANNEL]", "[ARCHIVE_CHANNEL, ADD_USER]", 1)
	generate(t, root, next)
	proto = read(t, root, codegen.DefaultPaths.Proto)
	for _, want := range []string{"PERMISSION_ARCHIVE_CHANNEL = 1;", "PERMISSION_ADD_USER = 3;", "reserved 2;"} {
		if !strings.Contains(proto, want) {
			t.Fatalf("second run lacks %q:\n%s", want, proto)
		}
	}
	if strings.Contains(proto, "RENAME_CHANNEL") {
		t.Fatalf("removed permission still listed:\n%s", proto)
	}
	// And a third run never reuses the reserved number.
	third := strings.Replace(next, "  - name: ADD_USER\n", "  - name: BAN_USER\n    applies_to: [channel]\n  - name: ADD_USER\n", 1)
	generate(t, root, third)
	if proto = read(t, root, codegen.DefaultPaths.Proto); !strings.Contains(proto, "PERMISSION_BAN_USER = 4;") || !strings.Contains(proto, "reserved 2;") {
		t.Fatalf("third run:\n%s", proto)
	}
}

func TestGoAndTypeScriptOutput(t *testing.T) {
	root := t.TempDir()
	generate(t, root, base)
	goSrc := read(t, root, codegen.DefaultPaths.Go)
	for _, want := range []string{"// Code generated", "package permissions", `ArchiveChannel Permission = "ARCHIVE_CHANNEL"`,
		`RoleChannelsAdmin Role = "CHANNELS_ADMIN"`, `ActionChannelArchive Action = "channel.archive"`, `Description: "Archive \"it\"."`,
		"RoleChannelsAdmin: {ArchiveChannel, RenameChannel}"} {
		if !strings.Contains(goSrc, want) {
			t.Errorf("Go output lacks %q", want)
		}
	}
	ts := read(t, root, codegen.DefaultPaths.TS)
	for _, want := range []string{"export const Permissions", `ARCHIVE_CHANNEL: "Archive \"it\".",`, `CHANNELS_ADMIN: ["ARCHIVE_CHANNEL", "RENAME_CHANNEL"],`, "export type Role"} {
		if !strings.Contains(ts, want) {
			t.Errorf("TypeScript output lacks %q:\n%s", want, ts)
		}
	}
}

func TestStaleFindsOutOfDateFiles(t *testing.T) {
	root := t.TempDir()
	files := generate(t, root, base)
	if stale, err := codegen.Stale(root, files); err != nil || len(stale) != 0 {
		t.Fatalf("fresh files reported stale: %v %v", stale, err)
	}
	cat, err := rolesfile.Parse("roles.yaml", []byte(strings.Replace(base, "Archive \"it\".", "Archive it.", 1)))
	if err != nil {
		t.Fatal(err)
	}
	changed, err := codegen.Generate(cat, root, codegen.DefaultPaths)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := codegen.Stale(root, changed)
	if err != nil || len(stale) != 2 { // Go and TypeScript carry descriptions; the enums do not
		t.Fatalf("stale = %v, %v; want the Go and TypeScript files", stale, err)
	}
}

func TestNameCollisionsAreErrors(t *testing.T) {
	cat, err := rolesfile.Parse("roles.yaml", []byte(strings.ReplaceAll(base, "RENAME_CHANNEL", "ARCHIVE__CHANNEL")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := codegen.Generate(cat, t.TempDir(), codegen.DefaultPaths); err == nil || !strings.Contains(err.Error(), "both become the Go name") {
		t.Fatalf("err = %v", err)
	}
}

func TestRequestPoliciesAreGenerated(t *testing.T) {
	root := t.TempDir()
	roles := strings.Replace(base, "    permissions: [ARCHIVE_CHANNEL, RENAME_CHANNEL]\n",
		"    permissions: [ARCHIVE_CHANNEL, RENAME_CHANNEL]\n    request: {max_duration: 90m, approvals: 2, approver_permission: RENAME_CHANNEL, self_extend: true}\n", 1)
	generate(t, root, roles)
	goSrc := read(t, root, codegen.DefaultPaths.Go)
	if want := "RoleChannelsAdmin: {MaxDuration: 90 * time.Minute, Approvals: 2, ApproverPermission: RenameChannel, SelfExtend: true},"; !strings.Contains(goSrc, want) {
		t.Fatalf("Go file lacks %q:\n%s", want, goSrc)
	}
	ts := read(t, root, codegen.DefaultPaths.TS)
	if want := `CHANNELS_ADMIN: { maxDurationSeconds: 5400, approvals: 2, approverPermission: "RENAME_CHANNEL", selfExtend: true },`; !strings.Contains(ts, want) {
		t.Fatalf("TypeScript file lacks %q:\n%s", want, ts)
	}
	generate(t, root, base)
	if goSrc := read(t, root, codegen.DefaultPaths.Go); strings.Contains(goSrc, "RoleChannelsAdmin: {MaxDuration") {
		t.Fatalf("a role without a request block still has a policy:\n%s", goSrc)
	}
}
