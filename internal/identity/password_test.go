package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
	"golang.org/x/crypto/bcrypt"
)

func ruleOf(t *testing.T, err error) string {
	t.Helper()
	var e *errs.E
	if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 {
		t.Fatalf("not a field error: %#v", err)
	}
	return e.Fields[0].Location + " " + e.Fields[0].Message
}

func TestPasswordPolicy(t *testing.T) {
	idents := []string{"lan.nguyen", "lan.nguyen@example.vn", "+84912345678", "12345678"}
	cases := []struct {
		pw   string
		rule string // "" means accepted
	}{
		{"Cà phê sữa đá 2024", ""},
		{"correct horse battery", ""},
		{"Tr4m-Ch1m-Bay", ""},
		{"short", "at least 8 characters"},
		{"bảy ký", "at least 8 characters"},  // 6 runes, more bytes: runes count
		{"mậtkhẩu", "at least 8 characters"}, // 7 runes, 11 bytes
		{strings.Repeat("a", 73), "at most 72 bytes"},
		{strings.Repeat("ấ", 25), "at most 72 bytes"}, // 25 runes, 75 bytes
		{"aaaaaaaaaa", "must not repeat one character"},
		{"password", "too common"},
		{"PassWord", "too common"},
		{"password2024!", "too common"},
		{"12345678", "too common"},
		{"1q2w3e4r", "too common"},
		{"matkhau@123", "too common"},
		{"anhyeuem", "too common"},
		{"iloveyou", "too common"},
		{"Qwerty123!", "too common"},
		{"my lan.nguyen pass", "must not contain your username"},
		{"LAN.NGUYEN-1999", "must not contain your username"},
		{"0912345678ab", "must not contain your username"},
		{"x84912345678", "must not contain your username"},
	}
	for _, c := range cases {
		err := CheckPassword("body.password", c.pw, idents)
		if c.rule == "" {
			if err != nil {
				t.Errorf("%q refused: %v", c.pw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q accepted, want %q", c.pw, c.rule)
			continue
		}
		if got := ruleOf(t, err); !strings.HasPrefix(got, "body.password ") || !strings.Contains(got, c.rule) {
			t.Errorf("%q: %q, want %q", c.pw, got, c.rule)
		}
	}
	// The list is loaded, and only holds passwords the length rule would not already refuse.
	if len(common) < 100 || len(bases) < 20 {
		t.Fatalf("common %d, bases %d", len(common), len(bases))
	}
	for p := range common {
		if len([]rune(p)) < MinPasswordLength {
			t.Errorf("common password %q is shorter than the minimum", p)
		}
	}
}

func TestPINPolicy(t *testing.T) {
	for pin, rule := range map[string]string{
		"2580": "", "7391": "", "104729": "", "13579": "",
		"123": "4 to 6 digits", "1234567": "4 to 6 digits", "12a4": "4 to 6 digits", "": "4 to 6 digits", "١٢٣٤": "4 to 6 digits",
		"0000": "repeat one digit", "999999": "repeat one digit",
		"1234": "run of digits", "0123": "run of digits", "4321": "run of digits", "987654": "run of digits", "56789": "run of digits",
	} {
		err := CheckPIN("body.pin", pin)
		if rule == "" {
			if err != nil {
				t.Errorf("PIN %q refused: %v", pin, err)
			}
			continue
		}
		if err == nil || !strings.Contains(ruleOf(t, err), rule) {
			t.Errorf("PIN %q: %v, want %q", pin, err, rule)
		}
	}
}

func TestHasher(t *testing.T) {
	h, err := newHasher(bcrypt.MinCost, nil)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.hash("Cà phê sữa đá")
	if err != nil {
		t.Fatal(err)
	}
	if !h.check(hash, "Cà phê sữa đá") || h.check(hash, "cà phê sữa đá") || h.check("", "anything") {
		t.Fatal("check is wrong")
	}
	if c, _ := bcrypt.Cost(h.dummy); c != bcrypt.MinCost {
		t.Fatalf("dummy hash cost %d", c)
	}
	higher, _ := newHasher(bcrypt.MinCost+1, nil)
	if !higher.stale(hash) || h.stale(hash) {
		t.Fatal("stale: a hash below the current cost must be redone, one at it must not")
	}
	lower, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost+1)
	if h.stale(string(lower)) {
		t.Fatal("stale: the cost must never go down")
	}
	if _, err := newHasher(3, nil); err == nil {
		t.Fatal("cost 3 accepted")
	}
}

func TestPermissionCodes(t *testing.T) {
	for c, ok := range map[string]bool{"*": true, "sale.*": true, "sale.read": true, "user-role.write": true,
		"Sale.read": false, "sale": false, "sale.": false, ".read": false, "*.read": false, "sale.read.x": false, "": false} {
		if permissionCode(c) != ok {
			t.Errorf("permissionCode(%q) = %v", c, !ok)
		}
	}
	// Every default permission is a valid code, and every fixed role has defaults.
	for _, p := range defaultPermissionCodes() {
		if !permissionCode(p) {
			t.Errorf("default permission %q is malformed", p)
		}
	}
	if len(DefaultPermissions) != 5 {
		t.Fatalf("defaults for %d roles", len(DefaultPermissions))
	}
}
