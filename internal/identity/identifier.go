package identity

import (
	"crypto/rand"
	"errors"
	"math/big"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme is a kind of identifier a user signs in with (the document's Identifier Schemes).
type Scheme string

// The identifier schemes.
const (
	Username   Scheme = "USERNAME"
	Email      Scheme = "EMAIL"
	Phone      Scheme = "PHONE_NUMBER"
	UserNumber Scheme = "USER_NUMBER" // generated for every user: 8 digits, for terminals
	NXAuth     Scheme = "NX_AUTH"     // the subject of an external identity provider
)

// Schemes lists every scheme.
var Schemes = []Scheme{Username, Email, Phone, UserNumber, NXAuth}

// ParseScheme reads a scheme name, ignoring case.
func ParseScheme(s string) (Scheme, bool) {
	for _, x := range Schemes {
		if strings.EqualFold(string(x), strings.TrimSpace(s)) {
			return x, true
		}
	}
	return "", false
}

// Identifier is a scheme and a normalized value: the form stored, compared and shown.
type Identifier struct {
	Scheme Scheme `json:"scheme"`
	Value  string `json:"value"`
}

// Identifier errors. Their text is shown to the caller as the reason a value was refused.
var (
	errUsername   = errors.New("must be 3-32 characters of a-z 0-9 . _ -, starting with a letter")
	errEmail      = errors.New("is not an email address")
	errPhone      = errors.New("is not a phone number (Vietnamese 0912345678 or +84912345678, or international +<country><number>)")
	errUserNumber = errors.New("must be 8 digits")
	errNXAuth     = errors.New("must be 1-255 printable characters")
	errUnknown    = errors.New("is not a username, email, phone number or user number")
)

var (
	usernameRe   = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,31}$`)
	userNumberRe = regexp.MustCompile(`^[1-9][0-9]{7}$`)
)

// Normalize returns the canonical form of a value of the scheme: the form that makes identifiers
// unique whatever the case or formatting they were typed with. Usernames and emails are lower
// case; phone numbers are E.164 (+84912345678); user numbers lose spaces and dashes. An NX_AUTH
// subject is kept exactly (only trimmed): an external provider's subject is case-sensitive
// (OpenID Connect Core 1.0, section 2), so folding its case could join two people.
func Normalize(s Scheme, raw string) (string, error) {
	v := strings.TrimSpace(raw)
	switch s {
	case Username:
		v = strings.ToLower(v)
		if !usernameRe.MatchString(v) {
			return "", errUsername
		}
		return v, nil
	case Email:
		return normalizeEmail(v)
	case Phone:
		return NormalizePhone(v)
	case UserNumber:
		v = strings.NewReplacer(" ", "", "-", "", ".", "").Replace(v)
		if !userNumberRe.MatchString(v) {
			return "", errUserNumber
		}
		return v, nil
	case NXAuth:
		if v == "" || len(v) > 255 || !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return "", errNXAuth
		}
		return v, nil
	}
	return "", errUnknown
}

// Detect reads an identifier typed without its scheme (a sign-in form, HTTP Basic): an "@" means
// an email, a leading letter a username, 8 digits a user number, anything else a phone number.
// The rules of each scheme keep these readings apart: no username starts with a digit, no phone
// number has 8 digits.
func Detect(raw string) (Identifier, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return Identifier{}, errUnknown
	}
	var s Scheme
	first, _ := utf8.DecodeRuneInString(v)
	switch {
	case strings.Contains(v, "@"):
		s = Email
	case unicode.IsLetter(first):
		s = Username
	default:
		if n, err := Normalize(UserNumber, v); err == nil {
			return Identifier{Scheme: UserNumber, Value: n}, nil
		}
		s = Phone
	}
	n, err := Normalize(s, v)
	if err != nil {
		return Identifier{}, err
	}
	return Identifier{Scheme: s, Value: n}, nil
}

func normalizeEmail(v string) (string, error) {
	if len(v) > 254 || strings.ContainsAny(v, " <>\"(),;\\") {
		return "", errEmail
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return "", errEmail
	}
	at := strings.LastIndexByte(v, '@')
	local, domain := v[:at], v[at+1:]
	if local == "" || len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", errEmail
	}
	return strings.ToLower(v), nil
}

// oldMobilePrefixes maps the 11-digit mobile prefixes Vietnam retired in 2018 to their 10-digit
// replacements (Ministry of Information and Communications decision 798/QD-BTTTT), so that a
// number saved years ago in a customer's phone book still finds its account.
var oldMobilePrefixes = map[string]string{
	// Viettel
	"162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
	// MobiFone
	"120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
	// VinaPhone
	"123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
	// Vietnamobile, Gmobile
	"186": "56", "188": "58", "199": "59",
}

// NormalizePhone returns a phone number in E.164. Vietnamese numbers may be written nationally
// (0912 345 678), with the country code (+84 912 345 678, 84912345678, 0084...), with spaces,
// dots, dashes or parentheses, or with a pre-2018 11-digit prefix (0168 xxx xxxx -> +8438xxxxxxx).
// A Vietnamese national number is a mobile number of 9 digits starting 3, 5, 7, 8 or 9, or a
// landline of 10 digits starting 2. Other countries are accepted only with a leading "+".
func NormalizePhone(raw string) (string, error) {
	var b strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(raw) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", errPhone
		}
	}
	d := b.String()
	var nsn string
	switch {
	case plus && strings.HasPrefix(d, "84"):
		nsn = d[2:]
	case plus:
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return "", errPhone
		}
		return "+" + d, nil
	case strings.HasPrefix(d, "0084"):
		nsn = d[4:]
	case strings.HasPrefix(d, "0"):
		nsn = d[1:]
	case strings.HasPrefix(d, "84") && len(d) >= 11:
		nsn = d[2:]
	default:
		return "", errPhone
	}
	if len(nsn) == 10 && nsn[0] == '1' {
		repl, ok := oldMobilePrefixes[nsn[:3]]
		if !ok {
			return "", errPhone
		}
		nsn = repl + nsn[3:]
	}
	switch {
	case len(nsn) == 9 && strings.ContainsRune("35789", rune(nsn[0])):
	case len(nsn) == 10 && nsn[0] == '2':
	default:
		return "", errPhone
	}
	return "+84" + nsn, nil
}

// newUserNumber draws a random user number.
func newUserNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(90_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return big.NewInt(0).Add(n, big.NewInt(10_000_000)).String()
}
