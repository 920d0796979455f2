package identity_test

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/mail/mailtest"
)

var (
	codeRe = regexp.MustCompile(`Mã xác minh email BANA của bạn là: (\d{6})`)
	linkRe = regexp.MustCompile(`(http://\S+/auth/verify-email\?token=\S+)`)
)

// verificationMail reads the next mail from the SMTP server and returns its code and link.
func verificationMail(t *testing.T, srv *mailtest.Server, to string) (code, link string) {
	t.Helper()
	m := srv.Next(t)
	if len(m.To) != 1 || m.To[0] != to {
		t.Fatalf("mail to %v, want %s", m.To, to)
	}
	p := m.Parse(t)
	from, err := mail.ParseAddress(p.Header.Get("From"))
	if err != nil || p.Subject != "Xác minh email BANA / Verify your BANA email" || from.Name != "BANA" || from.Address != "no-reply@bana.test" {
		t.Fatalf("headers: %q %v %v", p.Subject, p.Header, err)
	}
	c, l := codeRe.FindStringSubmatch(p.Text), linkRe.FindStringSubmatch(p.Text)
	if c == nil || l == nil {
		t.Fatalf("no code or link in %q", p.Text)
	}
	return c[1], l[1]
}

func TestEmailVerification(t *testing.T) {
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{})
			e := apptest.Start(t, tg, vars(srv.Vars()))

			// Sign-up mails a code and a link at once.
			s := e.SignUp(map[string]any{"email": "Mai@Example.VN", "displayName": "Mai"})
			tok := token(s)
			code, link := verificationMail(t, srv, "mai@example.vn")
			// Stored hashed: neither the code nor the token is in the table.
			linkToken := mustQuery(t, link, "token")
			if len(linkToken) != 43 {
				t.Fatalf("token %q is not 32 bytes in base64url", linkToken)
			}
			if n := count(t, e, "SELECT count(*) FROM mail_verifications WHERE code_hash = ? OR token_hash = ? OR code_hash LIKE ? OR token_hash LIKE ?",
				code, linkToken, "%"+code+"%", "%"+linkToken+"%"); n != 0 {
				t.Fatal("a code or token is stored in clear")
			}
			if n := count(t, e, "SELECT count(*) FROM mail_verifications WHERE email = 'mai@example.vn' AND sends = 1 AND length(code_hash) = 64 AND length(token_hash) = 64"); n != 1 {
				t.Fatal("no hashed verification row")
			}

			// Within the 60 seconds, no resend.
			r := e.Must(429, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok})
			if !strings.Contains(string(r.Body), "wait") {
				t.Fatalf("cooldown: %s", r.Body)
			}
			// Wrong codes: two say how many attempts are left, the third locks out for 15 minutes.
			wrong := "000000"
			if wrong == code {
				wrong = "111111"
			}
			confirm := func(status int, c string) *apptest.Response {
				return e.Must(status, apptest.Request{Method: "POST", Path: "/auth/verify-email/confirm", Token: tok, Body: map[string]any{"code": c}})
			}
			if r := confirm(400, wrong); !strings.Contains(string(r.Body), "2 attempts left") {
				t.Fatalf("first wrong code: %s", r.Body)
			}
			if r := confirm(400, wrong); !strings.Contains(string(r.Body), "1 attempt left") {
				t.Fatalf("second wrong code: %s", r.Body)
			}
			if r := confirm(429, wrong); !strings.Contains(string(r.Body), "last attempt") {
				t.Fatalf("third wrong code: %s", r.Body)
			}
			// Locked: even the right code is refused, and so is a resend.
			confirm(429, code)
			e.Must(429, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok})
			confirm(400, "12345")

			// The link from the mail still verifies (it needs no sign-in), once: its hash is then
			// forgotten.
			resp := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/verify-email?token=" + url.QueryEscape(linkToken)}).Map(t)
			if resp["verified"] != true || resp["email"] != "mai@example.vn" {
				t.Fatalf("link: %v", resp)
			}
			e.Must(422, apptest.Request{Method: "GET", Path: "/auth/verify-email?token=" + url.QueryEscape(linkToken)})
			e.Must(422, apptest.Request{Method: "GET", Path: "/auth/verify-email?token=nonsense"})
			e.Must(400, apptest.Request{Method: "GET", Path: "/auth/verify-email"})
			who := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: tok}).Map(t)
			for _, i := range who["user"].(map[string]any)["identifiers"].([]any) {
				m := i.(map[string]any)
				if m["scheme"] == "EMAIL" && m["verified"] != true {
					t.Fatalf("email not verified: %v", m)
				}
			}
			e.Must(409, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok})

			// Another account verifies with the code.
			s2 := e.SignUp(map[string]any{"email": "hoa@example.vn"})
			code2, _ := verificationMail(t, srv, "hoa@example.vn")
			v := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/verify-email/confirm", Token: token(s2), Body: map[string]any{"code": code2}}).Map(t)
			if v["verified"] != true {
				t.Fatalf("code: %v", v)
			}
			// One user's code does not verify another: Mai's old code means nothing for a third.
			s3 := e.SignUp(map[string]any{"email": "lan@example.vn"})
			code3, _ := verificationMail(t, srv, "lan@example.vn")
			other := code2
			if other == code3 {
				other = wrong
			}
			e.Must(400, apptest.Request{Method: "POST", Path: "/auth/verify-email/confirm", Token: token(s3), Body: map[string]any{"code": other}})
			// An account without an email has nothing to verify.
			s4 := e.SignUp(map[string]any{"username": "khong.email"})
			e.Must(422, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: token(s4)})
			e.Must(401, apptest.Request{Method: "POST", Path: "/auth/verify-email/send"})
		})
	}
}

func mustQuery(t *testing.T, link, key string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

func TestEmailVerificationMailFailure(t *testing.T) {
	// The mail server refuses connections: the send is a 503 and is undone, so a retry is not
	// held back by the cooldown; the sign-up itself still succeeds.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := apptest.Start(t, tg, vars(map[string]string{"APP_ENV_MAIL_HOST": "127.0.0.1", "APP_ENV_MAIL_PORT": strconv.Itoa(port)}))
			s := e.SignUp(map[string]any{"email": "down@example.vn"})
			for range 2 {
				r := e.Must(503, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: token(s)})
				if !strings.Contains(string(r.Body), "could not be sent") {
					t.Fatalf("503: %s", r.Body)
				}
			}
			if n := count(t, e, "SELECT count(*) FROM mail_verifications WHERE sends > 0"); n != 0 {
				t.Fatalf("failed sends were counted: %d", n)
			}
		})
	}
}
