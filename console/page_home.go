package console

import "net/http"

// homePage serves GET /: who is signed in and what they may do; the
// permission list is redrawn live by the page's script.
func (c *Console) homePage(w http.ResponseWriter, r *http.Request, s *userSession) {
	var ents []string
	if pv, err := c.permissions(r.Context(), s); err == nil {
		for _, ep := range pv.Entities {
			ents = append(ents, ep.EntityID)
		}
	}
	c.label(r.Context(), s, nil, ents)
	c.render(w, r, s, http.StatusOK, "home", "Bastion console", nil)
}
