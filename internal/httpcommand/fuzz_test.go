package httpcommand_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/internal/router"
)

// FuzzParse feeds the file parser arbitrary input: it must never panic,
// must name a line or the file in every error, and whatever it accepts
// must register on a router.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte(cmd("refund <x>", "  risk: sensitive\n  channels: [C1]\n  timeout: 1s\n")))
	f.Add([]byte("commands:\n  - pattern: a\n    description: b\n    endpoint: http://h/\n    secret_env: TEST_SECRET\n    approvals: 99999999999999999999\n"))
	f.Add([]byte("commands: &a [*a]\n"))
	f.Add([]byte("commands:\n - {pattern: ~, description: !!binary aGk=, endpoint: 'http://[::1]:80/x', secret_env: TEST_SECRET}\n"))
	f.Add([]byte("- a\n- b\n"))
	env := testEnv(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := httpcommand.Parse("c.yaml", data, env)
		if err != nil {
			var errs httpcommand.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not a non-empty Errors", err)
			}
			for _, e := range errs {
				if !strings.HasPrefix(e.Error(), "c.yaml") || e.Msg == "" {
					t.Fatalf("error %q does not name the file", e.Error())
				}
			}
			return
		}
		cmds, err := file.Commands(httpcommand.Options{Ledger: nopLedger{}})
		if err != nil {
			t.Fatalf("accepted file gives no commands: %v", err)
		}
		r := router.New(router.Options{})
		if err := r.Register(cmds...); err != nil {
			t.Fatalf("accepted file does not register: %v", err)
		}
	})
}

// FuzzDecodeAnswer feeds the answer decoder arbitrary bodies: it must
// never panic, and an accepted answer has text or valid blocks that make
// a summary of valid UTF-8.
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{`{"text":"ok"}`, `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]}`,
		`{"text":"a","blocks":[{"type":"divider"}]}`, `{"text":null,"blocks":null}`, `<html>`, `{"text":"\ud800"}`, `{"blocks":[{"type":"x","fields":7}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := httpcommand.DecodeAnswer(body)
		if err != nil {
			return
		}
		if strings.TrimSpace(a.Text) == "" && a.Blocks == nil {
			t.Fatal("accepted an answer with neither text nor blocks")
		}
		if a.Blocks != nil {
			var list []map[string]any
			if err := json.Unmarshal(a.Blocks, &list); err != nil || len(list) == 0 || len(list) > httpcommand.MaxBlocks {
				t.Fatalf("accepted blocks %s: %v", a.Blocks, err)
			}
		}
		if !utf8.ValidString(a.Summary()) {
			t.Fatalf("summary is not UTF-8: %q", a.Summary())
		}
	})
}

// nopLedger refuses every run: FuzzParse only builds commands, it never
// runs them.
type nopLedger struct{}

func (nopLedger) ClaimRun(context.Context, httpcommand.Run) (httpcommand.Run, bool, error) {
	return httpcommand.Run{}, false, errors.New("no runs in this test")
}

func (nopLedger) FinishRun(context.Context, string, httpcommand.Outcome, string, time.Time) error {
	return errors.New("no runs in this test")
}

func (nopLedger) LookupRun(context.Context, string) (httpcommand.Run, error) {
	return httpcommand.Run{}, httpcommand.ErrRunNotFound
}
