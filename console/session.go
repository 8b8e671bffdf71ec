package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// sessionCookie holds the signed session.
const sessionCookie = "bastion_console"

// userSession is a signed-in user as the signed cookie carries it.
type userSession struct {
	TeamID string `json:"t"`
	UserID string `json:"u"`
	// Via says how the user signed in: "dev" or "slack".
	Via string `json:"v"`
	// CSRF is the token every POST of this session must carry.
	CSRF string `json:"c"`
	// Expires is the Unix time after which the session is refused.
	Expires int64 `json:"e"`
	// Flash is a one-time notice shown on the next page.
	Flash string `json:"f,omitempty"`

	// perms are the user's permissions, read once per request (not part
	// of the cookie).
	perms *permView
	// labels are the names the page being drawn shows (not part of the
	// cookie).
	labels *labels
}

// Actor is the session's user, acting in their team; its String is how
// the audit log records them ("TEAM/USER").
func (s *userSession) Actor() authz.Actor { return authz.Actor{TeamID: s.TeamID, UserID: s.UserID} }

var errBadSignature = errors.New("bad signature")

// signer signs and verifies cookie values with HMAC-SHA256.
type signer struct {
	key []byte
}

// seal returns base64(payload) "." base64(mac) where the MAC also covers
// purpose, so a value made for one cookie is refused by another.
func (s signer) seal(purpose string, v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s cookie: %w", purpose, err)
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, p)), nil
}

// open verifies value and decodes its payload into v.
func (s signer) open(purpose, value string, v any) error {
	p, m, ok := strings.Cut(value, ".")
	if !ok {
		return errBadSignature
	}
	got, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || !hmac.Equal(got, s.mac(purpose, p)) {
		return errBadSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return fmt.Errorf("decode %s cookie: %w", purpose, err)
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return fmt.Errorf("decode %s cookie: %w", purpose, err)
	}
	return nil
}

func (s signer) mac(purpose, payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// randomToken returns n random bytes, base64url encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// session reads and verifies the request's session; ok is false when
// there is none or it is invalid or expired.
func (c *Console) session(r *http.Request) (*userSession, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	var s userSession
	if err := c.signer.open(sessionCookie, ck.Value, &s); err != nil {
		return nil, false
	}
	if s.UserID == "" || s.TeamID == "" || c.opts.Now().Unix() >= s.Expires {
		return nil, false
	}
	return &s, true
}

// startSession signs a new session for the user in and sets its cookie.
func (c *Console) startSession(w http.ResponseWriter, teamID, userID, via string) error {
	s := &userSession{TeamID: teamID, UserID: userID, Via: via, CSRF: randomToken(24),
		Expires: c.opts.Now().Add(c.opts.SessionTTL).Unix()}
	return c.writeSession(w, s)
}

// writeSession sets the session cookie to s.
func (c *Console) writeSession(w http.ResponseWriter, s *userSession) error {
	v, err := c.signer.seal(sessionCookie, s)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: v, Path: c.cookiePath(), HttpOnly: true,
		Secure: c.opts.SecureCookies, SameSite: http.SameSiteLaxMode, Expires: time.Unix(s.Expires, 0)})
	return nil
}

// endSession clears the session cookie.
func (c *Console) endSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: c.cookiePath(), HttpOnly: true,
		Secure: c.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// setFlash stores a one-time notice in the session for the next page.
func (c *Console) setFlash(w http.ResponseWriter, s *userSession, msg string) {
	cp := *s
	cp.Flash = msg
	if err := c.writeSession(w, &cp); err != nil {
		c.log.Warn("console: keep a notice for the next page", "error", err)
	}
}

// validCSRF reports whether the request carries the session's CSRF token,
// in the csrf form field or the X-CSRF-Token header.
func validCSRF(r *http.Request, s *userSession) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

func (c *Console) cookiePath() string { return c.opts.Prefix + "/" }
