package cli

import (
	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/config"
)

func newServeCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the permission service (gRPC, gRPC-Web and Connect on one port), the bot and the console",
		Long: `Serve bastion.authz.v1.PermissionService with gRPC reflection and the gRPC
health service, plus /healthz, /readyz and /metrics, on one port speaking
HTTP/1.1 and unencrypted HTTP/2.

Every RPC except health needs "authorization: Bearer KEY", with KEY one of
--api-key or BASTION_API_KEYS (comma-separated). Without any key serve
refuses to start, unless --insecure-no-auth is given.

  grpcurl -plaintext -H 'authorization: Bearer KEY' 127.0.0.1:8080 list

With SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set, serve also runs the
Slack bot (the built-in permission commands, approvals and this binary's
own commands, authorized by the same engine) and receives events at
POST /slack/events. SLACK_APP_TOKEN (xapp-…) uses Socket Mode instead,
SLACK_API_URL points the bot at another Web API (the local sandbox), and
BASTION_NATS_URL puts its queue on NATS JetStream. SLACK_CLIENT_ID,
SLACK_CLIENT_SECRET, SLACK_REDIRECT_URL and BASTION_ENCRYPTION_KEY add the
install flow at GET /slack/install and /slack/oauth/callback.

BASTION_CONSOLE_URL (e.g. https://bastion.example.com/console) serves the
admin console at that path, signed in with Slack (OpenID Connect) through
SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; BASTION_SESSION_KEY (hex) keeps
sessions valid across restarts and replicas, SLACK_TEAM_ID picks the
workspace to sign in to.

Every flag can be given as the environment variable named after it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return app.Serve(cmd.Context(), a.cfg, a.opts, a.io(), app.ServeHooks{})
		},
	}
	a.cfg.Register(cmd.Flags(), config.Serve)
	cmd.Flags().SetNormalizeFunc(aliases(map[string]string{"queue": "nats-url"}))
	return cmd
}

func newDevCmd(a *cli) *cobra.Command {
	var do app.DevOptions
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything locally: permission service, bot, admin console and a Slack sandbox in the browser",
		Long: `dev starts the whole product on embedded defaults: a SQLite database in
--dir with the demo organisation, the permission service, the bot with
this binary's commands (the example back-office commands when it has none)
and approvals, the admin console, and a local Slack sandbox that speaks
Slack's Web API and Events API to the bot. Open the URL it prints, pick who
you are, and talk to the bot.

No Slack app is needed. The bot reaches the sandbox through the same Slack
client code it uses against real Slack; only the API address differs.

What you do is kept: a restart carries on with the same database (roles,
approvals, audit log) and the same sandbox (workspaces, messages,
reactions, in --dir/sandbox.json). The demo organisation is loaded only
into a new database. --reset starts clean.

--slack runs the same demo in a real workspace instead, over Socket Mode,
with two tokens and no public address: create the app from the manifest
of "bastion slack manifest --socket-mode", then

  SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… bastion dev --slack

It learns the workspace's channels and people into the permission
service and, the first time, makes its admins and owners back-office
operators and its primary owner a roles admin.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := a.cfg
			if !cmd.Flags().Changed("db") {
				cfg.DB = config.DevDB(cfg.DevDir)
			}
			return app.Dev(cmd.Context(), cfg, a.opts, a.io(), do)
		},
	}
	a.cfg.Register(cmd.Flags(), config.Dev)
	cmd.Flags().BoolVar(&do.Reset, "reset", false, "start clean: remove the database and the sandbox's state that earlier runs kept in --dir")
	cmd.Flags().BoolVar(&do.Slack, "slack", false, "run in a real Slack workspace over Socket Mode (SLACK_APP_TOKEN and SLACK_BOT_TOKEN) instead of the sandbox")
	return cmd
}

// newShellCmd returns `bastion shell`, running the bot's router and
// handlers on lines typed in the terminal.
func newShellCmd(a *cli) *cobra.Command {
	var o app.ShellOptions
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Type bot commands in the terminal, as if in a Slack channel",
		Long: "shell runs the bot of serve and dev (the built-in commands, approvals and this binary's own commands,\n" +
			"authorized by the permission service on the database) over a Slack sandbox inside the process. Each line\n" +
			"read from standard input is posted as --user in --channel of --team, mentioning the bot; what the bot\n" +
			"posts is printed as plain text. Invocations and approvals go to the database.\n\n" +
			"Lines starting with / are the shell's: /as @abe (type as someone else), /in #channel, /react ✅ and\n" +
			"/unreact ✅ (vote on the bot's last approval request), /who, /help; exit or Ctrl-D leaves.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return app.Shell(cmd.Context(), a.cfg, a.opts, a.io(), o)
		},
	}
	cmd.Flags().StringVar(&o.TeamID, "team", "T1", "team (workspace) id")
	cmd.Flags().StringVar(&o.UserID, "user", "U1", "user id to act as")
	cmd.Flags().StringVar(&o.ChannelID, "channel", "C1", "channel id to act in (D… for a direct message)")
	cmd.Flags().BoolVar(&o.AllowAll, "allow-all", false, "allow every permission (local trials without the permission service)")
	a.cfg.Register(cmd.Flags(), config.Shell)
	return cmd
}
