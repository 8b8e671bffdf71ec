package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/store/httpcommandsql"
)

// BuiltinCommands are the commands every bastion binary registers: help,
// the built-in permission commands and the approval flow's. They are for
// their patterns: their handlers are never called.
func BuiltinCommands() []bot.Command {
	r := router.New(router.Options{})
	cmds := append(r.Commands(), builtin.Commands(nil, nil)...)
	return append(cmds, new(approval.Workflow).Commands()...)
}

// LoadCommandsFile reads the commands file at path, checked against the
// roles file in use (cat, named rolesFile; "" for the built-in one) and
// the commands registered beside it, with the signing secrets read by
// getenv (os.Getenv when nil).
func LoadCommandsFile(path string, cat *authz.Catalog, rolesFile string, registered []bot.Command, getenv func(string) string) (*httpcommand.File, error) {
	return CheckCommandsFile(path, httpcommand.Environment{Catalog: cat, RolesFile: rolesFile, Registered: registered, Getenv: getenv})
}

// CheckCommandsFile reads the commands file at path, checked against env
// (httpcommand.Load); LoadCommandsFile is it for a file to serve.
func CheckCommandsFile(path string, env httpcommand.Environment) (*httpcommand.File, error) {
	f, err := httpcommand.Load(path, env)
	if err != nil {
		return nil, fmt.Errorf("commands file:\n%w", err)
	}
	return f, nil
}

// checkCommandsFile checks --commands, when set, before anything starts:
// against the roles file and the built-in commands. The commands of the
// binary are checked too once they are built (fileCommands).
func checkCommandsFile(cfg config.Config) error {
	if cfg.Commands == "" {
		return nil
	}
	cat, err := rolesfile.Load(cfg.Roles)
	if err != nil {
		return err
	}
	_, err = LoadCommandsFile(cfg.Commands, cat, cfg.Roles, BuiltinCommands(), nil)
	return err
}

// fileCommands are the commands of the file at path, checked against
// every command registered beside them, run with the ledger in st; none
// without a path.
func fileCommands(path, rolesFile string, st *Stores, registered []bot.Command, log *slog.Logger) ([]bot.Command, error) {
	if path == "" {
		return nil, nil
	}
	if st.Runs == nil {
		return nil, fmt.Errorf("commands file %s: the run ledger is not open", path)
	}
	f, err := LoadCommandsFile(path, st.Engine.Catalog(), rolesFile, registered, nil)
	if err != nil {
		return nil, err
	}
	cmds, err := f.Commands(httpcommand.Options{Ledger: st.Runs, Logger: log})
	if err != nil {
		return nil, err
	}
	log.Info("commands file loaded", "file", path, "commands", len(cmds))
	return cmds, nil
}

// pruneRuns deletes finished runs of the ledger as long after as message
// claims: a message redelivered after both are gone could be sent again.
func pruneRuns(runs *httpcommandsql.Ledger, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		return runs.PruneEvery(ctx, runner.DefaultPruneInterval, runner.DefaultClaimRetention, log)
	}
}
