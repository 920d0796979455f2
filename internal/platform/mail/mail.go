// Package mail sends BANA's transactional mail (verification codes, notices). A Mailer is an SMTP
// client, speaking STARTTLS whenever the server offers it (implicit TLS on port 465), or, in the
// embedded default where no APP_ENV_MAIL_HOST is set, a logger that writes each message to the
// process log so that a developer can read the code it carries.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/config"
)

// Message is one mail. From is optional (the mailer's default sender is used); Text is required,
// HTML optional (sent as multipart/alternative with Text).
type Message struct {
	From    string
	To      []string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends a message.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// New returns the mailer the configuration selects: SMTP when APP_ENV_MAIL_HOST is set, else a
// log mailer.
func New(c config.Mail, log *slog.Logger) Mailer {
	if c.Host == "" {
		return &Log{Logger: log, From: c.From}
	}
	return &SMTP{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, From: c.From}
}

// ErrInvalid is returned for a message that cannot be sent as it is (no recipient, a bad
// address, a line break in a header).
var ErrInvalid = errors.New("mail: invalid message")

// SMTP sends through an SMTP server.
type SMTP struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	From     string // default sender, e.g. "BANA <no-reply@example.com>"
	// TLSConfig overrides the TLS settings (tests trust their own certificate with it). The
	// server name is always Host.
	TLSConfig *tls.Config
	// Timeout bounds a whole send when ctx has no deadline (default 30s).
	Timeout time.Duration
	// LocalName is the name sent with EHLO (default "localhost").
	LocalName string
}

// Send delivers m. Credentials are only ever sent over TLS (net/smtp's PLAIN refuses otherwise,
// except to localhost).
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.From
	}
	raw, from, to, err := Build(m, time.Now())
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		t := s.Timeout
		if t <= 0 {
			t = 30 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tlsCfg := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsCfg = s.TLSConfig.Clone()
		tlsCfg.ServerName = s.Host
	}
	d := &net.Dialer{}
	var conn net.Conn
	if s.Port == 465 {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsCfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// A cancelled context interrupts a stalled exchange.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return fmt.Errorf("mail: greeting from %s: %w", addr, err)
	}
	defer c.Close()
	local := s.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if s.Port != 465 {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsCfg); err != nil {
				return fmt.Errorf("mail: STARTTLS: %w", err)
			}
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("mail: %s offers no AUTH but APP_ENV_MAIL_USERNAME is set", addr)
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("mail: AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("mail: RCPT TO %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("mail: writing message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: message refused: %w", err)
	}
	return c.Quit()
}

// Log writes messages to the log instead of sending them: the embedded default, where a
// developer reads verification codes from the console.
type Log struct {
	Logger *slog.Logger
	From   string
}

// Send logs m.
func (l *Log) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = l.From
	}
	if _, _, _, err := Build(m, time.Now()); err != nil {
		return err
	}
	l.Logger.InfoContext(ctx, "mail (not sent: APP_ENV_MAIL_HOST is not set)", "from", m.From,
		"to", strings.Join(m.To, ", "), "subject", m.Subject, "text", m.Text)
	return nil
}

// Build renders m as an RFC 5322 message (UTF-8, quoted-printable) and returns it with the
// envelope sender and recipients. It refuses line breaks in headers (header injection) and
// addresses net/mail cannot parse.
func Build(m Message, now time.Time) (raw []byte, from string, to []string, err error) {
	if len(m.To) == 0 {
		return nil, "", nil, fmt.Errorf("%w: no recipient", ErrInvalid)
	}
	for _, h := range append([]string{m.From, m.Subject}, m.To...) {
		if strings.ContainsAny(h, "\r\n") {
			return nil, "", nil, fmt.Errorf("%w: line break in a header", ErrInvalid)
		}
	}
	fa, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: sender %q: %v", ErrInvalid, m.From, err)
	}
	var toHeader []string
	for _, r := range m.To {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%w: recipient %q: %v", ErrInvalid, r, err)
		}
		to = append(to, a.Address)
		toHeader = append(toHeader, a.String())
	}
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", fa.String())
	h("To", strings.Join(toHeader, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.UTC().Format(time.RFC1123Z))
	h("Message-ID", messageID(fa.Address))
	h("MIME-Version", "1.0")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, "", nil, err
		}
		return b.Bytes(), fa.Address, to, nil
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ typ, text string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, "", nil, err
		}
		if err := writeQP(w, part.text); err != nil {
			return nil, "", nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", nil, err
	}
	h("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes(), fa.Address, to, nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, text string) error {
	qp := quotedprintable.NewWriter(w)
	// Line ends are CRLF on the wire.
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	return qp.Close()
}

func messageID(from string) string {
	domain := "bana.local"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}
