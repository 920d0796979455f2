package identity

import (
	_ "embed"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/errs"
	"golang.org/x/crypto/bcrypt"
)

// Password rules. bcrypt reads at most 72 bytes, so longer passwords are refused rather than
// silently cut.
const (
	MinPasswordLength = 8
	MaxPasswordBytes  = 72
)

// DefaultBcryptCost is the work factor of new password hashes outside tests. On the reference
// machine (2 cores, shared) one hash takes about 0.3 s at 11; OWASP asks for at least 10.
const DefaultBcryptCost = 11

//go:embed common_passwords.txt
var commonPasswordsFile string

// common is the list of refused passwords; bases are words refused with any digits or symbols
// after them.
var common, bases = func() (map[string]bool, map[string]bool) {
	c, b := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(commonPasswordsFile, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "BASE "):
			b[strings.TrimPrefix(l, "BASE ")] = true
		default:
			c[l] = true
		}
	}
	return c, b
}()

// CheckPassword applies the password policy: at least 8 characters, at most 72 bytes, not one
// character repeated, not a common password (or a common word followed by digits and symbols),
// and not one of the user's own identifiers. The error names the field (loc) and the rule.
func CheckPassword(loc, pw string, identifiers []string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return errs.Field(loc, "must have at least 8 characters", nil)
	case len(pw) > MaxPasswordBytes:
		return errs.Field(loc, "must have at most 72 bytes", nil)
	case !utf8.ValidString(pw):
		return errs.Field(loc, "must be valid UTF-8 text", nil)
	}
	lower := strings.ToLower(pw)
	if first, _ := utf8.DecodeRuneInString(lower); strings.Count(lower, string(first)) == n {
		return errs.Field(loc, "must not repeat one character", nil)
	}
	if common[lower] || bases[strings.TrimRight(lower, "0123456789!@#$%^&*._-+=?~")] {
		return errs.Field(loc, "is too common: it is on lists of leaked passwords", nil)
	}
	for _, ident := range identifiers {
		ident = strings.ToLower(ident)
		forms := []string{ident}
		if local, _, ok := strings.Cut(ident, "@"); ok {
			forms = []string{local}
		}
		if national, ok := strings.CutPrefix(ident, "+84"); ok {
			forms = []string{"0" + national, national}
		}
		for _, f := range forms {
			if len(f) >= 4 && strings.Contains(lower, f) {
				return errs.Field(loc, "must not contain your username, email or phone number", nil)
			}
		}
	}
	return nil
}

// CheckPIN applies the PIN policy: 4 to 6 digits, not one digit repeated, not a run up or down
// (1234, 987654).
func CheckPIN(loc, pin string) error {
	if len(pin) < 4 || len(pin) > 6 || strings.Trim(pin, "0123456789") != "" {
		return errs.Field(loc, "must be 4 to 6 digits", nil)
	}
	if strings.Count(pin, pin[:1]) == len(pin) {
		return errs.Field(loc, "must not repeat one digit", nil)
	}
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		up = up && pin[i] == pin[i-1]+1
		down = down && pin[i] == pin[i-1]-1
	}
	if up || down {
		return errs.Field(loc, "must not be a run of digits such as 1234", nil)
	}
	return nil
}

// hasher hashes and checks secrets (passwords, PINs) with bcrypt at one cost. dummy is a hash of
// that cost that matches nothing anyone can type, checked when there is no account so that a
// wrong identifier costs the same work as a wrong password. compared, when set, is told of every
// comparison with the cost of the hash compared (Options.Compared).
type hasher struct {
	cost     int
	dummy    []byte
	compared func(cost int)
}

func newHasher(cost int, compared func(cost int)) (*hasher, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, errors.New("identity: bcrypt cost out of range")
	}
	d, err := bcrypt.GenerateFromPassword([]byte("\x00no account has this password\x00"), cost)
	if err != nil {
		return nil, err
	}
	return &hasher{cost: cost, dummy: d, compared: compared}, nil
}

func (h *hasher) hash(secret string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(secret), h.cost)
	return string(b), err
}

// check compares secret with hash, or with the dummy when hash is empty (and then fails): one
// bcrypt comparison either way.
func (h *hasher) check(hash, secret string) bool {
	against := []byte(hash)
	if hash == "" {
		against = h.dummy
	}
	if h.compared != nil {
		c, _ := bcrypt.Cost(against)
		h.compared(c)
	}
	return bcrypt.CompareHashAndPassword(against, []byte(secret)) == nil && hash != ""
}

// stale reports whether a hash was made at a lower cost than the current one and should be
// redone (the cost only ever goes up).
func (h *hasher) stale(hash string) bool {
	c, err := bcrypt.Cost([]byte(hash))
	return err == nil && c < h.cost
}
