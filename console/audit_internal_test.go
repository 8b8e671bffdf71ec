package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestAuditPageStopsAfterReadingItsShareOfTheLog(t *testing.T) {
	ctx := context.Background()
	st, err := authzsql.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, eng); err != nil {
		t.Fatal(err)
	}
	must := func(_ authz.Revision, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(eng.Assign(ctx, "USUPPORT", "CONSOLE_VIEWER", "T2", "test"))
	// One entry the T2 auditor may see, then six they may not: newest
	// first, the page meets the six first.
	must(eng.Assign(ctx, "UG", "USERS_ADMIN", "C4", "T1/UROLES"))
	for _, u := range []string{"UA", "UB", "UC", "UD", "UE", "UF"} {
		must(eng.Assign(ctx, u, "USERS_ADMIN", "C1", "T1/UROLES"))
	}

	c, err := New(Options{Engine: eng, DevSignIn: true, SessionKey: []byte("audit-internal-test-key-0123456789"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c.auditBatch, c.auditScan = 2, 4
	h := c.Handler()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/console/signin/dev", strings.NewReader(url.Values{"pick": {"T2/USUPPORT"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	get := func(path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", path, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}

	// The first page reads four entries, sees none, and says how far down
	// it searched; its next page carries on from there and finds the
	// seventh.
	page := get("/console/audit?actor=T1/UROLES")
	if strings.Contains(page, "<td>assignment.add</td>") || !strings.Contains(page, `data-testid="audit-searched"`) {
		t.Fatalf("first page:\n%s", page)
	}
	next := regexp.MustCompile(`href="/console(/audit\?[^"]*)">Next page`).FindStringSubmatch(page)
	if next == nil {
		t.Fatalf("no next page:\n%s", page)
	}
	page = get("/console" + strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(page, `data-key="UG/USERS_ADMIN/C4"`) || strings.Contains(page, `/C1"`) || strings.Contains(page, "Next page") {
		t.Fatalf("second page:\n%s", page)
	}
}
