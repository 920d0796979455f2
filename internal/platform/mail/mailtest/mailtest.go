// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) inside a test on
// loopback, so that tests read the messages BANA really sends, byte for byte, instead of trusting
// a mock. It can offer STARTTLS with a certificate made for the test and require AUTH PLAIN.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure the server.
type Options struct {
	TLS      bool   // offer STARTTLS with a self-signed certificate for 127.0.0.1
	Username string // when set, AUTH PLAIN with Username/Password is required before MAIL
	Password string
	// InsecureAuth offers AUTH without TLS too (to prove the client refuses to use it).
	InsecureAuth bool
	// Host to listen on (default 127.0.0.1; any 127.x.y.z address is loopback).
	Host string
}

// Received is one message the server accepted.
type Received struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Raw  []byte   // the message as sent
	TLS  bool     // whether the session was encrypted
	Auth string   // the user that authenticated, if any
}

// Server is a running SMTP server.
type Server struct {
	Host     string
	Port     int
	RootCAs  *x509.CertPool // trusts the server's certificate (with Options.TLS)
	Messages chan Received
}

// Start listens on 127.0.0.1 on a free port until t ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Host: host, Port: ln.Addr().(*net.TCPAddr).Port, Messages: make(chan Received, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, opts: o, conn: c}, nil
	}))
	srv.Domain = "mailtest.local"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.AllowInsecureAuth = o.InsecureAuth
	if o.TLS {
		cert, pool := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.RootCAs = pool
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return s
}

// Vars are the APP_ENV_MAIL_* settings that point BANA at this server.
func (s *Server) Vars() map[string]string {
	return map[string]string{"APP_ENV_MAIL_HOST": s.Host, "APP_ENV_MAIL_PORT": strconv.Itoa(s.Port),
		"APP_ENV_MAIL_FROM": "BANA <no-reply@bana.test>"}
}

// Next waits up to 10 seconds for the next message.
func (s *Server) Next(t testing.TB) Received {
	t.Helper()
	select {
	case m := <-s.Messages:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("mailtest: no message arrived")
	}
	return Received{}
}

type session struct {
	srv  *Server
	opts Options
	conn *smtp.Conn
	user string
	msg  Received
}

func (s *session) AuthMechanisms() []string {
	if s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.opts.Username || password != s.opts.Password {
			return errors.New("invalid username or password")
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.opts.Username != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = Received{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, s.msg.TLS = s.conn.TLSConnectionState()
	s.msg.Raw = raw
	s.msg.Auth = s.user
	s.srv.Messages <- s.msg
	return nil
}

func (s *session) Reset()        { s.msg = Received{} }
func (s *session) Logout() error { return nil }

// Parsed is a received message decoded for assertions.
type Parsed struct {
	Header  mail.Header
	Subject string // decoded
	Text    string // the text/plain part, decoded
	HTML    string // the text/html part, decoded, if any
}

// Parse decodes the message: headers, the encoded subject, and its text and HTML parts.
func (r Received) Parse(t testing.TB) Parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatalf("mailtest: not a message: %v\n%s", err, r.Raw)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("mailtest: subject: %v", err)
	}
	p := Parsed{Header: m.Header, Subject: subj}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("mailtest: content type: %v", err)
	}
	decode := func(enc string, body io.Reader) string {
		if strings.EqualFold(enc, "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("mailtest: body: %v", err)
		}
		return strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	if !strings.HasPrefix(mt, "multipart/") {
		p.Text = decode(m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return p
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("mailtest: part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		body := decode(part.Header.Get("Content-Transfer-Encoding"), part)
		switch pt {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		}
	}
	return p
}

func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
