package commerce

import (
	"github.com/banapos/bana/internal/platform/db"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/errs"
	"golang.org/x/text/unicode/norm"
)

// cleanName trims a display name and puts it in NFC, so that a name typed on a keyboard that
// sends decomposed Vietnamese (NFD) is stored, compared and sorted like any other. Diacritics
// stay.
func cleanName(loc, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(norm.NFC.String(s))
	if s == "" {
		return "", errs.Field(loc, "is required", nil)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", errs.Field(loc, "holds control characters", s)
	}
	if utf8.RuneCountInString(s) > maxLen {
		return "", errs.Field(loc, "is too long", utf8.RuneCountInString(s))
	}
	return s, nil
}

// cleanText is cleanName for optional text.
func cleanText[S ~string](loc string, s S, maxLen int) (S, error) {
	s = S(strings.TrimSpace(norm.NFC.String(string(s))))
	if utf8.RuneCountInString(string(s)) > maxLen {
		return "", errs.Field(loc, "is too long", utf8.RuneCountInString(string(s)))
	}
	if !utf8.ValidString(string(s)) {
		return "", errs.Field(loc, "is not valid UTF-8", nil)
	}
	return s, nil
}

// foldCode turns a Vietnamese name into an upper-case ASCII code: "Trà & Trà sữa" -> TRA_TRA_SUA.
// Marks are removed after NFD; đ/Đ has no decomposition and is mapped by hand.
func foldCode(s string) string {
	var b strings.Builder
	under := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'D'
		}
		r = unicode.ToUpper(r)
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
			continue
		}
		if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimRight(b.String(), "_")
	if len(out) > 50 {
		out = strings.TrimRight(out[:50], "_")
	}
	return out
}

// code checks an upper-case code (A-Z, 0-9, _ and -, up to 50), deriving it from name when
// empty.
func code(loc, c, name string) (string, error) {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "" {
		c = foldCode(name)
		if c == "" {
			return "", errs.Field(loc, "is required (the name gives none)", nil)
		}
		return c, nil
	}
	if len(c) > 50 {
		return "", errs.Field(loc, "is longer than 50 characters", c)
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", errs.Field(loc, "holds only A-Z, 0-9, _ and -", c)
		}
	}
	return c, nil
}

// optCode checks an optional code (a parent's, a station's): absent stays absent.
func optCode(loc string, c db.OptText) (db.OptText, error) {
	s, err := code(loc, string(c), "")
	return db.OptText(s), err
}
