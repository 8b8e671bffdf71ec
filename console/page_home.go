package console

import "net/http"

// homePage serves GET /: who is signed in and what they may do; the
// permission list is redrawn live by the page's script.
func (c *Console) homePage(w http.ResponseWriter, r *http.Request, s *userSession) {
	c.render(w, r, s, http.StatusOK, "home", "Bastion console", nil)
}
