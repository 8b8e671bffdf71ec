package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// artifactsDir returns the directory for the test's screenshots:
// $BASTION_ARTIFACTS/<TestName> or <repo root>/artifacts/<TestName>.
// The directory is made on the first screenshot.
func artifactsDir(t testing.TB) (string, error) {
	root := os.Getenv("BASTION_ARTIFACTS")
	if root == "" {
		repo, err := repoRoot()
		if err != nil {
			return "", fmt.Errorf("find artifacts directory: %w", err)
		}
		root = filepath.Join(repo, "artifacts")
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = safeName(p)
	}
	return filepath.Join(append([]string{root}, parts...)...), nil
}

// removeFailureShots deletes the failure-*.png files left in dir by an
// earlier run.
func removeFailureShots(dir string) error {
	old, err := filepath.Glob(filepath.Join(dir, "failure-*.png"))
	if err != nil {
		return fmt.Errorf("list old failure screenshots: %w", err)
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove old failure screenshot: %w", err)
		}
	}
	return nil
}

// repoRoot walks up from the working directory to the nearest go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set BASTION_ARTIFACTS")
		}
		dir = parent
	}
}

// safeName keeps letters, digits, '-', '_' and '.', and replaces the rest.
func safeName(s string) string {
	out := []rune(s)
	for i, r := range out {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			out[i] = '_'
		}
	}
	if len(out) == 0 {
		return "_"
	}
	return string(out)
}

// Screenshot saves a PNG of the whole page as <name>.png in the test's
// artifacts directory and returns its path.
func (p *Tab) Screenshot(name string) string {
	p.t.Helper()
	path, err := p.screenshot(name)
	if err != nil {
		p.t.Fatalf("browsertest: %s: %v", p.name, err)
	}
	return path
}

func (p *Tab) screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	if err := os.MkdirAll(p.b.artifacts, 0o755); err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	path := filepath.Join(p.b.artifacts, safeName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	return path, nil
}

// reportFailure runs when the test failed: it saves a screenshot of the
// tab and logs the errors of its page's console.
func (p *Tab) reportFailure() {
	if path, err := p.screenshot("failure-" + p.name); err != nil {
		p.t.Logf("browsertest: %s: no failure screenshot: %v", p.name, err)
	} else {
		p.t.Logf("browsertest: %s: failure screenshot %s", p.name, path)
	}
	for _, e := range p.console.errors() {
		p.t.Logf("browsertest: %s: page %s", p.name, e)
	}
}
