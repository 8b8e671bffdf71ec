package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bastionhq/bastion/deploy/slackmanifest"
	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
)

// newSlackCmd groups the commands about Slack installations and scopes.
func newSlackCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "slack",
		Short: "Slack installations and the OAuth scopes they granted",
	}
	cmd.AddCommand(reads(newSlackBackfillScopesCmd(a)), newSlackInstallationsCmd(a), newSlackManifestCmd(a))
	a.cfg.Register(cmd.PersistentFlags(), config.SlackCLI)
	cmd.SetGlobalNormalizationFunc(aliases(map[string]string{"api-url": "slack-api-url"}))
	return cmd
}

// openSlackService opens the installation store (token key from
// --encryption-key) and a service that calls Slack at --slack-api-url.
func openSlackService(ctx context.Context, a *cli) (*slackapp.Service, func(), error) {
	if a.cfg.EncryptionKey == "" {
		return nil, nil, app.ErrNoEncryptionKey
	}
	key, err := app.EncryptionKey(a.cfg)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := slackapp.NewTokenSealer(key)
	if err != nil {
		return nil, nil, err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	store, err := installsql.Open(ctx, db, sealer)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	svc := slackapp.NewService(store, slackapp.ServiceOptions{APIURL: a.cfg.SlackAPIURL, Logger: logger})
	return svc, func() { db.Close() }, nil
}

func newSlackBackfillScopesCmd(a *cli) *cobra.Command {
	var (
		batch  int
		pause  time.Duration
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "backfill-scopes",
		Short: "Record granted scopes (via auth.test) for installations that have a token but no scope record",
		Long: "Calls auth.test for each installation with a token and no scope record, in batches with a pause between\n" +
			"them, waiting out HTTP 429 Retry-After. Progress is saved after every batch: a killed run resumes there.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch <= 0 {
				return fmt.Errorf("--batch-size must be positive")
			}
			if pause < 0 {
				return fmt.Errorf("--pause must not be negative")
			}
			ctx := cmd.Context()
			svc, closeDB, err := openSlackService(ctx, a)
			if err != nil {
				return err
			}
			defer closeDB()
			report := slackProgressReporter(a.stdout, dryRun)
			b := slackapp.NewBackfiller(svc.Store(), svc, slackapp.BackfillOptions{
				BatchSize: batch, Pause: pause, DryRun: dryRun, Progress: report,
				Logger: slog.New(slog.NewTextHandler(a.stderr, nil)),
			})
			p, err := b.Run(ctx)
			if err != nil {
				return err
			}
			if dryRun {
				fmt.Fprintf(a.stdout, "dry run: %d installations need scopes: %d batches of %d, at least %s at a %s pause\n",
					p.Done, p.Batches, batch, slackapp.PacedDuration(p.Done, batch, pause), pause)
				return nil
			}
			fmt.Fprintf(a.stdout, "backfill done: %d checked, %d updated, %d failed, %d rate limits waited out, in %s\n",
				p.Done, p.Updated, p.Failed, p.RateLimited, p.Elapsed.Round(time.Second))
			return nil
		},
	}
	cmd.Flags().IntVar(&batch, "batch-size", 100, "installations per batch")
	cmd.Flags().DurationVar(&pause, "pause", 10*time.Second, "pause between batches")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count and estimate only: call nothing, write nothing")
	return cmd
}

// slackProgressReporter draws a progress bar with an ETA on a terminal and
// writes one plain line per batch otherwise.
func slackProgressReporter(w io.Writer, dryRun bool) func(slackapp.BackfillProgress) {
	f, isFile := w.(*os.File)
	if isFile && term.IsTerminal(int(f.Fd())) {
		return func(p slackapp.BackfillProgress) {
			fmt.Fprintf(w, "\r%s", slackProgressBar(p, 30))
			if p.Done >= p.Total {
				fmt.Fprintln(w)
			}
		}
	}
	verb := "checked"
	if dryRun {
		verb = "would check"
	}
	return func(p slackapp.BackfillProgress) {
		fmt.Fprintf(w, "backfill-scopes: batch %d: %d/%d %s, %d updated, %d failed, eta %s\n",
			p.Batches, p.Done, p.Total, verb, p.Updated, p.Failed, p.ETA.Round(time.Second))
	}
}

// slackProgressBar renders "[#####.....]  50% 50/100 eta 1m0s".
func slackProgressBar(p slackapp.BackfillProgress, width int) string {
	frac := 1.0
	if p.Total > 0 {
		frac = min(1, float64(p.Done)/float64(p.Total))
	}
	filled := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %3.0f%% %d/%d eta %s ", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		frac*100, p.Done, p.Total, p.ETA.Round(time.Second))
}

func newSlackInstallationsCmd(a *cli) *cobra.Command {
	return reads(&cobra.Command{
		Use:   "installations",
		Short: "List Slack installations, their granted scopes and which features they allow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, closeDB, err := openSlackService(ctx, a)
			if err != nil {
				return err
			}
			defer closeDB()
			list, err := svc.Store().ListInstallations(ctx)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "no installations")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTEAM\tENTERPRISE\tACTIVE\tSCOPES\tFEATURES")
			for _, in := range list {
				scopes := in.Scopes.String()
				if !in.HasScopeRecord() {
					scopes = "(unknown: run backfill-scopes)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\n", in.ID, in.TeamID, slackDash(in.EnterpriseID), in.Active, scopes, slackFeatureSummary(in.Scopes))
			}
			return tw.Flush()
		},
	})
}

// slackFeatureSummary lists features as "name" when available and
// "name(missing: a,b)" otherwise.
func slackFeatureSummary(granted slackapp.Scopes) string {
	var parts []string
	for _, f := range slackapp.Features() {
		missing, err := slackapp.Missing(granted, f)
		if err != nil {
			continue
		}
		if len(missing) == 0 {
			parts = append(parts, string(f))
		} else {
			parts = append(parts, fmt.Sprintf("%s(missing: %s)", f, strings.Join(missing, ",")))
		}
	}
	return strings.Join(parts, " ")
}

func slackDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// newSlackManifestCmd prints the Slack app manifest to paste into "Create
// New App" -> "From an app manifest".
func newSlackManifestCmd(a *cli) *cobra.Command {
	var socket bool
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Print the Slack app manifest to paste at api.slack.com/apps (--socket-mode: for bastion dev --slack)",
		Long: `manifest prints the app manifest to paste at https://api.slack.com/apps ->
Create New App -> From an app manifest.

The default one is for bastion serve at a public address: replace
bastion.example.com with yours. With --socket-mode it is the one for
bastion dev --slack and for serve behind a firewall: Socket Mode, no
public address, nothing to replace. After creating the app:

  1. Install App -> Install to Workspace, and copy the Bot User OAuth Token (xoxb-…).
  2. Basic Information -> App-Level Tokens -> Generate, with the scope
     connections:write, and copy the token (xapp-…).
  3. SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… bastion dev --slack`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := slackmanifest.Manifest
			if socket {
				m = slackmanifest.SocketMode
			}
			_, err := a.stdout.Write(m)
			return err
		},
	}
	cmd.Flags().BoolVar(&socket, "socket-mode", false, "the Socket Mode manifest: no public address (bastion dev --slack)")
	return cmd
}
