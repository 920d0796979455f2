package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/config"
	"github.com/banapos/bana/internal/platform/mail"
	"github.com/banapos/bana/internal/platform/mail/mailtest"
)

func TestSMTPPlain(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	m := &mail.SMTP{Host: srv.Host, Port: srv.Port, From: "BANA <no-reply@bana.test>"}
	err := m.Send(t.Context(), mail.Message{To: []string{"Chị Lan <lan@example.vn>"}, Subject: "Mã xác minh: 123456",
		Text: "Xin chào,\nmã của bạn là 123456.\nMột dòng rất dài " + strings.Repeat("á", 100)})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Next(t)
	if got.From != "no-reply@bana.test" || len(got.To) != 1 || got.To[0] != "lan@example.vn" || got.TLS {
		t.Fatalf("envelope: %+v", got)
	}
	p := got.Parse(t)
	if p.Subject != "Mã xác minh: 123456" {
		t.Fatalf("subject %q", p.Subject)
	}
	if !strings.Contains(p.Text, "mã của bạn là 123456.\n") || !strings.Contains(p.Text, strings.Repeat("á", 100)) {
		t.Fatalf("text %q", p.Text)
	}
	if p.Header.Get("Message-Id") == "" || p.Header.Get("Date") == "" || !strings.Contains(p.Header.Get("To"), "lan@example.vn") {
		t.Fatalf("headers %v", p.Header)
	}
	// Every line of the wire form stays under the SMTP limit.
	for _, l := range strings.Split(string(got.Raw), "\r\n") {
		if len(l) > 998 {
			t.Fatalf("line of %d bytes", len(l))
		}
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: true, Username: "bana", Password: "s3cret-pass"})
	m := &mail.SMTP{Host: srv.Host, Port: srv.Port, Username: "bana", Password: "s3cret-pass",
		From: "no-reply@bana.test", TLSConfig: &tls.Config{RootCAs: srv.RootCAs}}
	msg := mail.Message{To: []string{"a@example.vn", "b@example.vn"}, Subject: "Hi", Text: "plain", HTML: "<p>rich</p>"}
	if err := m.Send(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	got := srv.Next(t)
	if !got.TLS || got.Auth != "bana" || len(got.To) != 2 {
		t.Fatalf("session: tls=%v auth=%q to=%v", got.TLS, got.Auth, got.To)
	}
	p := got.Parse(t)
	if strings.TrimSpace(p.Text) != "plain" || strings.TrimSpace(p.HTML) != "<p>rich</p>" {
		t.Fatalf("parts: %q %q", p.Text, p.HTML)
	}

	// Wrong password: the server's refusal comes back as an error.
	bad := *m
	bad.Password = "wrong"
	if err := bad.Send(t.Context(), msg); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("wrong password: %v", err)
	}
	// A certificate we do not trust: no mail, an error.
	untrusted := *m
	untrusted.TLSConfig = nil
	if err := untrusted.Send(t.Context(), msg); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	select {
	case r := <-srv.Messages:
		t.Fatalf("a refused send delivered %+v", r)
	default:
	}
}

func TestSMTPRefusesCredentialsInClear(t *testing.T) {
	// A server that offers AUTH without TLS on an address that is not "localhost" to net/smtp:
	// the password must not be sent in clear, so the send fails and nothing is delivered.
	srv := mailtest.Start(t, mailtest.Options{Host: "127.0.0.2", Username: "bana", Password: "pw", InsecureAuth: true})
	m := &mail.SMTP{Host: srv.Host, Port: srv.Port, Username: "bana", Password: "pw", From: "x@bana.test"}
	err := m.Send(t.Context(), mail.Message{To: []string{"a@example.vn"}, Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("credentials were offered without TLS: %v", err)
	}
	select {
	case r := <-srv.Messages:
		t.Fatalf("delivered %+v", r)
	default:
	}
}

func TestBadMessages(t *testing.T) {
	cases := map[string]mail.Message{
		"no recipient":      {From: "a@b.vn", Subject: "s", Text: "t"},
		"subject injection": {From: "a@b.vn", To: []string{"c@d.vn"}, Subject: "hi\r\nBcc: evil@x.vn", Text: "t"},
		"to injection":      {From: "a@b.vn", To: []string{"c@d.vn\nBcc: evil@x.vn"}, Subject: "s", Text: "t"},
		"bad recipient":     {From: "a@b.vn", To: []string{"not an address"}, Subject: "s", Text: "t"},
		"bad sender":        {From: "nobody", To: []string{"c@d.vn"}, Subject: "s", Text: "t"},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, _, err := mail.Build(m, time.Now()); !errors.Is(err, mail.ErrInvalid) {
				t.Fatalf("Build: %v", err)
			}
		})
	}
}

func TestTimeoutOnSilentServer(t *testing.T) {
	// A server that accepts and never greets: the send gives up at the context deadline.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	m := &mail.SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "a@bana.test"}
	start := time.Now()
	err = m.Send(ctx, mail.Message{To: []string{"b@example.vn"}, Subject: "s", Text: "t"})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("send to a silent server: %v after %v", err, time.Since(start))
	}
	select {
	case c := <-accepted:
		c.Close()
	default:
	}
}

func TestNewSelectsByConfig(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	m := mail.New(config.Mail{From: "BANA <no-reply@bana.local>"}, log)
	if _, ok := m.(*mail.Log); !ok {
		t.Fatalf("no host: %T", m)
	}
	if err := m.Send(t.Context(), mail.Message{To: []string{"lan@example.vn"}, Subject: "Mã", Text: "code 654321"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "code 654321") || !strings.Contains(buf.String(), "lan@example.vn") {
		t.Fatalf("log: %s", buf.String())
	}
	if err := m.Send(t.Context(), mail.Message{Subject: "x", Text: "y"}); !errors.Is(err, mail.ErrInvalid) {
		t.Fatalf("log mailer accepted a message without recipient: %v", err)
	}
	if s, ok := mail.New(config.Mail{Host: "smtp.example.vn", Port: 587}, log).(*mail.SMTP); !ok || s.Port != 587 {
		t.Fatalf("with host: %T", s)
	}
}
