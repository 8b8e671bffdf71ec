package console

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/bastionhq/bastion/slackapp"
)

// upgradeNotice says that a feature lacks scopes on an installation.
type upgradeNotice struct {
	Feature slackapp.Feature
	Missing []string
	// InstallURL reinstalls the app into this installation's workspace.
	InstallURL string
}

// installationRow is one installation on the installations page.
type installationRow struct {
	ID, TeamID, EnterpriseID string
	Active                   bool
	InstalledAt              time.Time
	ScopesUpdatedAt          time.Time
	HasScopeRecord           bool
	Granted                  string
	Notices                  []upgradeNotice
	// Attrs hide the installation when the user may no longer see it.
	Attrs template.HTMLAttr
}

// installationsBody is the installations page's data.
type installationsBody struct {
	Configured    bool
	InstallURL    string
	Installations []installationRow
}

// installationsPage serves GET /installations: the granted scopes of each
// installation whose workspace (or enterprise) the user holds
// VIEW_INSTALLATIONS on, and an upgrade notice with the reinstall link for
// every feature whose scopes are missing.
func (c *Console) installationsPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b := installationsBody{Configured: c.opts.Installations != nil, InstallURL: c.opts.InstallURL}
	if b.Configured && pv.anywhere(PermViewInstallations) {
		list, err := c.opts.Installations.ListInstallations(r.Context())
		if err != nil {
			c.readFailed(w, r, s, err)
			return
		}
		for _, in := range list {
			if sh, ok := pv.installationShown(in.TeamID, in.EnterpriseID); ok {
				row := installationRowOf(in, c.opts.InstallURL)
				row.Attrs = sh.attrs()
				b.Installations = append(b.Installations, row)
			}
		}
	}
	var ents []string
	for _, in := range b.Installations {
		ents = append(ents, in.TeamID, in.EnterpriseID)
	}
	c.label(r.Context(), s, nil, ents)
	c.renderNeeding(w, r, s, PermViewInstallations, "installations", "Slack installations", b)
}

// installationRowOf describes an installation; installURL is the install
// link, which each notice narrows to the installation's workspace.
func installationRowOf(in slackapp.Installation, installURL string) installationRow {
	row := installationRow{ID: in.ID, TeamID: in.TeamID, EnterpriseID: in.EnterpriseID, Active: in.Active,
		InstalledAt: in.InstalledAt, ScopesUpdatedAt: in.ScopesUpdatedAt, HasScopeRecord: in.HasScopeRecord(), Granted: strings.Join(in.Scopes.Names(), ", ")}
	for _, f := range slackapp.Features() {
		missing, err := slackapp.Missing(in.Scopes, f)
		if err == nil && len(missing) > 0 {
			row.Notices = append(row.Notices, upgradeNotice{Feature: f, Missing: missing,
				InstallURL: slackapp.InstallURLFor(installURL, in.TeamID)})
		}
	}
	return row
}
