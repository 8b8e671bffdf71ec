package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz/codegen"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

func newGenCmd(a *cli) *cobra.Command {
	var root string
	var check bool
	paths := codegen.DefaultPaths
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Generate Go, TypeScript and protobuf names from the roles file",
		Long: `gen reads the roles file (--roles, default the built-in one) and writes Go constants
with a typed registry, a TypeScript module of names for front ends, and protobuf
enums whose numbers never change once given. With --check it writes nothing and
fails when a generated file is out of date.`,
		Example: "  bastion gen\n  bastion gen --check\n  bastion --roles my-roles.yaml gen --out ../myapp --go-out internal/perms/perms.gen.go",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := rolesfile.Load(a.cfg.Roles)
			if err != nil {
				return err
			}
			files, err := codegen.Generate(cat, root, paths)
			if err != nil {
				return err
			}
			if check {
				stale, err := codegen.Stale(root, files)
				if err != nil {
					return err
				}
				if len(stale) > 0 {
					return exitError{code: 1, msg: "generated files are out of date, run `bastion gen`: " + strings.Join(stale, ", ")}
				}
				fmt.Fprintln(a.stdout, "generated files are up to date")
				return nil
			}
			if err := codegen.Write(root, files); err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(a.stdout, "wrote", f.Path)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&root, "out", ".", "root folder the paths are relative to")
	cmd.Flags().BoolVar(&check, "check", false, "fail if a generated file is out of date, writing nothing")
	cmd.Flags().StringVar(&paths.Go, "go-out", paths.Go, "Go file; its folder names the package")
	cmd.Flags().StringVar(&paths.TS, "ts-out", paths.TS, "TypeScript file")
	cmd.Flags().StringVar(&paths.Proto, "proto-out", paths.Proto, "protobuf file")
	return cmd
}
