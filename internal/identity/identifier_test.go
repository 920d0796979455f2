package identity

import (
	"regexp"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0912345678", "+84912345678"},
		{"0912 345 678", "+84912345678"},
		{"0912.345.678", "+84912345678"},
		{"(091) 234-5678", "+84912345678"},
		{"+84912345678", "+84912345678"},
		{"+84 912 345 678", "+84912345678"},
		{"84912345678", "+84912345678"},
		{"0084912345678", "+84912345678"},
		{"0849123456", "+84849123456"},      // 084 is a VinaPhone prefix, not the country code
		{"0321234567", "+84321234567"},      // Viettel 03x
		{"0561234567", "+84561234567"},      // Vietnamobile 05x
		{"0701234567", "+84701234567"},      // MobiFone 07x
		{"01621234567", "+84321234567"},     // retired Viettel 0162 -> 032
		{"01201234567", "+84701234567"},     // retired MobiFone 0120 -> 070
		{"+841991234567", "+84591234567"},   // retired Gmobile 0199 -> 059, international form
		{"02438261234", "+842438261234"},    // Hà Nội landline 024
		{"028 3822 1234", "+842838221234"},  // TP.HCM landline 028
		{"+1 415 555 2671", "+14155552671"}, // other countries keep their code
		{"+44 20 7946 0958", "+442079460958"},
		{"\u00a00912\u00a0345\u00a0678 ", "+84912345678"},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []string{"", "0", "091234567", "09123456789", "0112345678", "0612345678", "01301234567", "912345678",
		"+0912345678", "+123", "0912-345-67a", "09 12 34 56 78 9", "++84912345678", "84912345", "1900 1234",
		"+8491234567", "+84 1301234567", "0912345678+", "١٢٣٤٥٦٧٨٩٠"}
	for _, in := range bad {
		if got, err := NormalizePhone(in); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want an error", in, got)
		}
	}
}

func TestNormalizeAndDetect(t *testing.T) {
	cases := []struct {
		raw    string
		scheme Scheme
		want   string
	}{
		{"Lan.Nguyen", Username, "lan.nguyen"},
		{"  bana_admin ", Username, "bana_admin"},
		{"Lan@Example.VN", Email, "lan@example.vn"},
		{"nguyen.van+pos@gmail.com", Email, "nguyen.van+pos@gmail.com"},
		{"0912 345 678", Phone, "+84912345678"},
		{"+84912345678", Phone, "+84912345678"},
		{"12345678", UserNumber, "12345678"},
		{"1234-5678", UserNumber, "12345678"},
	}
	for _, c := range cases {
		got, err := Detect(c.raw)
		if err != nil || got.Scheme != c.scheme || got.Value != c.want {
			t.Errorf("Detect(%q) = %+v, %v; want %s %q", c.raw, got, err, c.scheme, c.want)
		}
		n, err := Normalize(c.scheme, c.raw)
		if err != nil || n != c.want {
			t.Errorf("Normalize(%s, %q) = %q, %v", c.scheme, c.raw, n, err)
		}
	}
	bad := []struct {
		s   Scheme
		raw string
	}{
		{Username, "ab"}, {Username, "1lan"}, {Username, "lan nguyen"}, {Username, "lân"}, {Username, strings.Repeat("a", 33)},
		{Email, "lan"}, {Email, "lan@"}, {Email, "@example.vn"}, {Email, "lan@localhost"}, {Email, "Lan <lan@example.vn>"},
		{Email, "lan@example..vn"}, {Email, "lan @example.vn"}, {Email, strings.Repeat("a", 65) + "@example.vn"},
		{UserNumber, "01234567"}, {UserNumber, "1234567"}, {UserNumber, "123456789"},
		{NXAuth, ""}, {NXAuth, "a\nb"}, {NXAuth, strings.Repeat("x", 256)},
		{Scheme("PASSPORT"), "B1234567"},
	}
	for _, c := range bad {
		if got, err := Normalize(c.s, c.raw); err == nil {
			t.Errorf("Normalize(%s, %q) = %q, want an error", c.s, c.raw, got)
		}
	}
	// An external subject keeps its case: two subjects differing in case are two people.
	a, _ := Normalize(NXAuth, "auth0|AbC")
	b, _ := Normalize(NXAuth, "auth0|abc")
	if a == b {
		t.Fatal("NX_AUTH subjects were case-folded")
	}
	for _, raw := range []string{"", "   ", "!!!", "0912", "lân"} {
		if got, err := Detect(raw); err == nil {
			t.Errorf("Detect(%q) = %+v, want an error", raw, got)
		}
	}
}

func TestUserNumbersAreWellFormed(t *testing.T) {
	for range 1000 {
		n := newUserNumber()
		if !userNumberRe.MatchString(n) {
			t.Fatalf("user number %q", n)
		}
		if d, err := Detect(n); err != nil || d.Scheme != UserNumber {
			t.Fatalf("Detect(%q) = %+v, %v", n, d, err)
		}
	}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "01621234567", "0084912345678", "+14155552671", "028 3822 1234", "(", "+", "84"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q) = %q: not E.164", s, got)
		}
		if again, err := NormalizePhone(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
		if strings.HasPrefix(got, "+84") && len(got) != 12 && len(got) != 13 {
			t.Fatalf("Vietnamese number of wrong length: %q -> %q", s, got)
		}
	})
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"lan", "Lan@Example.VN", "0912345678", "12345678", "+84912345678", "a@b.c", "x y@z.vn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Detect(s)
		if err != nil {
			return
		}
		// The normalized value is a fixed point, and reads back as the same scheme.
		again, err := Detect(got.Value)
		if err != nil || again != got {
			t.Fatalf("Detect(%q) = %+v, but Detect(%q) = %+v, %v", s, got, got.Value, again, err)
		}
		if n, err := Normalize(got.Scheme, got.Value); err != nil || n != got.Value {
			t.Fatalf("Normalize(%s, %q) = %q, %v", got.Scheme, got.Value, n, err)
		}
	})
}
