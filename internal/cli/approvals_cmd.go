package cli

import (
	"fmt"
	"github.com/bastionhq/bastion/internal/approval"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/store/botsql"
)

// newApprovalsCmd groups the commands about the bot's approval requests.
func newApprovalsCmd(a *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "Bot commands waiting for approvals, and what became of earlier ones",
	}
	cmd.AddCommand(reads(newApprovalsListCmd(a)), reads(newApprovalsShowCmd(a)))
	return cmd
}

func newApprovalsListCmd(a *cli) *cobra.Command {
	var all bool
	var team, channel string
	var states []string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List pending approval requests (--all: every request, newest first; --state: those in a state)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			f := approval.Filter{TeamID: team, ChannelID: channel, Limit: limit}
			for _, st := range states {
				if !knownApprovalState(st) {
					return fmt.Errorf("unknown state %q: want one of %s", st, approvalStateNames())
				}
				f.States = append(f.States, approval.State(st))
			}
			if !all && len(f.States) == 0 {
				f.States = []approval.State{approval.Pending}
			}
			all = all || len(f.States) > 1 || len(f.States) == 1 && f.States[0] != approval.Pending
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			store, err := botsql.Open(ctx, db)
			if err != nil {
				return err
			}
			list, err := store.ListApprovals(ctx, f)
			if err != nil {
				return err
			}
			return printApprovals(a.stdout, list, all, time.Now())
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include requests that are running, ran, failed, were interrupted, rejected or expired")
	cmd.Flags().StringSliceVar(&states, "state", nil, "only requests in this state (repeatable): "+approvalStateNames())
	cmd.Flags().StringVar(&team, "team", "", "only this team")
	cmd.Flags().StringVar(&channel, "channel", "", "only this channel")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many requests")
	return cmd
}

var approvalStates = []approval.State{approval.Pending, approval.Running, approval.Done, approval.Failed,
	approval.Interrupted, approval.Rejected, approval.Expired}

func knownApprovalState(s string) bool {
	for _, st := range approvalStates {
		if string(st) == s {
			return true
		}
	}
	return false
}

func approvalStateNames() string {
	names := make([]string, len(approvalStates))
	for i, st := range approvalStates {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// printApprovals writes one line per request.
func printApprovals(w io.Writer, list []approval.Request, all bool, now time.Time) error {
	if len(list) == 0 {
		if all {
			_, err := fmt.Fprintln(w, "no approval requests")
			return err
		}
		_, err := fmt.Fprintln(w, "no pending approval requests")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTEAM\tCHANNEL\tCALLER\tCOMMAND\tAPPROVALS\tMODE\tCREATED\tEXPIRES\tRESULT")
	for _, ar := range list {
		caller := "caller waiting"
		if ar.CallerApproved {
			caller = "caller ok"
		}
		expires := ar.ExpiresAt.UTC().Format(time.RFC3339)
		if ar.State == approval.Pending {
			expires += " (in " + ar.ExpiresAt.Sub(now).Round(time.Second).String() + ")"
		}
		result := ar.Result
		if ar.State == approval.Running && !ar.StartedAt.IsZero() {
			result = "running since " + ar.StartedAt.UTC().Format(time.RFC3339) + " (" + now.Sub(ar.StartedAt).Round(time.Second).String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s, %d/%d\t%s\t%s\t%s\t%s\n", ar.ID, ar.State, ar.TeamID, ar.ChannelID, ar.CallerID,
			ar.Text, caller, ar.Approvals, ar.Needed, ar.Mode, ar.CreatedAt.UTC().Format(time.RFC3339), expires, result)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print approvals: %w", err)
	}
	return nil
}

func newApprovalsShowCmd(a *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one approval request: its dry run, votes and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			store, err := botsql.Open(ctx, db)
			if err != nil {
				return err
			}
			ar, err := store.Approval(ctx, args[0])
			if err != nil {
				return err
			}
			votes, err := store.ApprovalVotes(ctx, ar.ID)
			if err != nil {
				return err
			}
			history, err := store.ApprovalEvents(ctx, ar.ID)
			if err != nil {
				return err
			}
			w := a.stdout
			fmt.Fprintf(w, "request %s: %s\n", ar.ID, ar.State)
			fmt.Fprintf(w, "command:    %s (%s)\n", ar.Text, ar.Command)
			fmt.Fprintf(w, "asked by:   %s in %s/%s at %s\n", ar.CallerID, ar.TeamID, ar.ChannelID, ar.CreatedAt.UTC().Format(time.RFC3339))
			fmt.Fprintf(w, "needs:      the caller and %d more with %s (%s)\n", ar.Needed, orAnyone(ar.Permission), ar.Mode)
			fmt.Fprintf(w, "expires:    %s\n", ar.ExpiresAt.UTC().Format(time.RFC3339))
			fmt.Fprintf(w, "dry run:    %s\n", ar.DryRun)
			if !ar.StartedAt.IsZero() {
				fmt.Fprintf(w, "started:    %s\n", ar.StartedAt.UTC().Format(time.RFC3339))
			}
			if !ar.AliveAt.IsZero() {
				fmt.Fprintf(w, "heartbeat:  %s (the run was last known to be going)\n", ar.AliveAt.UTC().Format(time.RFC3339))
			}
			if !ar.FinishedAt.IsZero() {
				fmt.Fprintf(w, "finished:   %s\n", ar.FinishedAt.UTC().Format(time.RFC3339))
			}
			if ar.Result != "" {
				fmt.Fprintf(w, "result:     %s\n", ar.Result)
			}
			if ar.State == approval.Interrupted {
				fmt.Fprintln(w, "note:       the process running it stopped before recording how it ended; it may or may not have run,")
				fmt.Fprintln(w, "            and it will not run again. Check its target before running it again.")
			}
			fmt.Fprintln(w, "votes:")
			for _, v := range votes {
				fmt.Fprintf(w, "  %s %s by %s at %s\n", v.UserID, v.Kind, v.Via, v.At.UTC().Format(time.RFC3339))
			}
			fmt.Fprintln(w, "history:")
			for _, ev := range history {
				fmt.Fprintf(w, "  %s %-9s %s %s\n", ev.At.UTC().Format(time.RFC3339), ev.Kind, ev.UserID, ev.Detail)
			}
			return nil
		},
	}
}

func orAnyone(permission string) string {
	if permission == "" {
		return "no permission (anyone in the channel)"
	}
	return permission
}
