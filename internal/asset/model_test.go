package asset

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/errs"
)

var (
	pngHead = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00")
	jpgHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	pdfHead = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
	xmlHead = []byte(`<?xml version="1.0" encoding="UTF-8"?><HDon></HDon>`)
	zipHead = []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name, want, declared, file string
		head                       []byte
		kind                       Kind   // "" refused
		typ                        string // stored type
		loc                        string // of a refusal
	}{
		{"png declared", "", "image/png", "a.png", pngHead, KindImage, "image/png", ""},
		{"png by extension", "", "", "a.PNG", pngHead, KindImage, "image/png", ""},
		{"png with no claim", "", "application/octet-stream", "blob", pngHead, KindImage, "image/png", ""},
		{"png with parameters", "", "image/png; charset=binary", "a", pngHead, KindImage, "image/png", ""},
		{"jpeg declared png", "", "image/png", "a.png", jpgHead, "", "", "body.file[0].contentType"},
		{"pdf named png", "", "", "a.png", pdfHead, "", "", "body.file[0].contentType"},
		{"pdf as image", "IMAGE", "application/pdf", "a.pdf", pdfHead, "", "", "body.file[0]"},
		{"pdf", "", "application/pdf", "a.pdf", pdfHead, KindDocument, "application/pdf", ""},
		{"xml declared application/xml", "", "application/xml", "hd.xml", xmlHead, KindDocument, "text/xml", ""},
		{"csv declared, detected as text", "", "text/csv", "x.csv", []byte("a\n"), KindDocument, "text/csv", ""},
		{"json declared text/plain", "", "text/plain", "x.json", []byte(`{"a":1}`), KindDocument, "application/json", ""},
		{"zip declared zip", "", "application/zip", "x.zip", zipHead, KindFile, "application/zip", ""},
		{"zip as a document", "DOCUMENT", "", "x.zip", zipHead, "", "", "body.file[0]"},
		{"html refused", "", "", "x.html", []byte("<!DOCTYPE html><html><body>x</body></html>"), "", "", "body.file[0]"},
		{"html declared as text", "", "text/plain", "x.txt", []byte("<html><script>x</script></html>"), "", "", "body.file[0]"},
		{"html claimed for text", "", "text/html", "x.html", []byte("hello"), "", "", "body.file[0]"},
		{"svg refused", "", "", "x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "", "", "body.file[0]"},
		{"bad media type", "", "image/", "a.png", pngHead, "", "", "body.file[0].contentType"},
		{"unknown kind", "PHOTO", "", "a.png", pngHead, "", "", "query.kind"},
		{"empty as a file", "FILE", "", "empty", nil, KindFile, "text/plain", ""},
		{"bytes", "", "", "x.bin", []byte{0, 1, 2, 3, 0xff, 0xfe}, KindFile, "application/octet-stream", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := classify(Kind(c.want), c.declared, c.file, c.head, "body.file[0]")
			if c.kind == "" {
				var e *errs.E
				if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != c.loc {
					t.Fatalf("want a 400 naming %s, got %v (%+v)", c.loc, err, got)
				}
				return
			}
			if err != nil || got.Kind != c.kind || got.Type != c.typ {
				t.Fatalf("got %+v, %v; want %s %s", got, err, c.kind, c.typ)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	cases := []struct{ in, want, loc string }{
		{"Cà phê.png", "Cà phê.png", ""},
		{`C:\fakepath\menu.jpg`, "menu.jpg", ""},
		{"../../etc/passwd", "passwd", ""},
		{"", "file", ""},
		{"..", "file", ""},
		{"a\x00b", "", "x.filename"},
		{"a\nb", "", "x.filename"},
		{"\xff", "", "x.filename"},
		{strings.Repeat("a", 256), "", "x.filename"},
	}
	for _, c := range cases {
		got, err := cleanName(c.in, "x")
		if c.loc == "" && (err != nil || got != c.want) {
			t.Errorf("%q: %q, %v", c.in, got, err)
		}
		if c.loc != "" && (err == nil || !strings.Contains(err.(*errs.E).Fields[0].Location, c.loc)) {
			t.Errorf("%q: want a refusal naming %s, got %q %v", c.in, c.loc, got, err)
		}
	}
}

func TestCappedReader(t *testing.T) {
	for _, c := range []struct {
		size, limit int64
		over        bool
	}{{0, 0, false}, {10, 10, false}, {11, 10, true}, {1 << 20, 1<<20 - 1, true}, {100, 1 << 20, false}} {
		r := &capped{r: bytes.NewReader(make([]byte, c.size)), limit: c.limit}
		n, err := io.Copy(io.Discard, r)
		if r.over != c.over || (c.over && !errors.Is(err, ErrTooLarge)) || (!c.over && (err != nil || n != c.size)) || n > c.limit {
			t.Errorf("%d bytes, limit %d: read %d, over %v, %v", c.size, c.limit, n, r.over, err)
		}
	}
}

func TestLimitsDefaults(t *testing.T) {
	l := Limits{Image: 5}.withDefaults()
	if l.Size(KindImage) != 5 || l.Size(KindDocument) != DefaultLimits.Document || l.Size(KindFile) != DefaultLimits.File ||
		l.Largest() != DefaultLimits.File || l.Files != 10 || l.LinkTTL != time.Hour {
		t.Fatalf("%+v", l)
	}
}

func TestDisposition(t *testing.T) {
	for _, c := range []struct {
		d    Disposition
		want string
	}{
		{Disposition{Filename: "menu.pdf"}, `attachment; filename=menu.pdf`},
		{Disposition{Filename: "Cà phê.png", Inline: true}, `inline; filename*=utf-8''C%C3%A0%20ph%C3%AA.png`},
		{Disposition{Filename: `a"b`}, `attachment; filename="a\"b"`},
		{Disposition{}, `attachment`},
	} {
		if got := c.d.header(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.d, got, c.want)
		}
	}
}

// TestSigner: a link verifies until its expiry by the clock, and not after; any change of its
// path, variant, expiry or signature is a bad signature.
func TestSigner(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC))
	s := &signer{clock: clk, key: []byte("0123456789abcdef0123456789abcdef")}
	ctx := context.Background()
	q, err := s.sign(ctx, "/assets/7/content", "", clk.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	exp, sig := q.Get("expires"), q.Get("signature")
	cases := []struct {
		name, path, variant, exp, sig string
		want                          error
	}{
		{"as signed", "/assets/7/content", "", exp, sig, nil},
		{"another path", "/assets/8/content", "", exp, sig, ErrBadSignature},
		{"another variant", "/assets/7/content", Thumbnail, exp, sig, ErrBadSignature},
		{"a later expiry", "/assets/7/content", "", exp + "0", sig, ErrBadSignature},
		{"no expiry", "/assets/7/content", "", "", sig, ErrBadSignature},
		{"another signature", "/assets/7/content", "", exp, strings.ToUpper(sig), ErrBadSignature},
		{"no signature", "/assets/7/content", "", exp, "", ErrBadSignature},
	}
	for _, c := range cases {
		if err := s.verify(ctx, c.path, c.variant, c.exp, c.sig); !errors.Is(err, c.want) && err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	clk.Advance(time.Minute)
	if err := s.verify(ctx, "/assets/7/content", "", exp, sig); !errors.Is(err, ErrLinkExpired) {
		t.Fatalf("at expiry: %v", err)
	}
}

// FuzzClassify: whatever an uploader declares, names and sends, classify answers a kind among
// the kinds and a type its kind accepts, never an active type, or a 400 naming a field.
func FuzzClassify(f *testing.F) {
	for _, h := range [][]byte{pngHead, jpgHead, pdfHead, xmlHead, zipHead, []byte("<html>"), nil} {
		f.Add("", "image/png", "a.png", h)
		f.Add("DOCUMENT", "text/csv; charset=utf-8", "a.csv", h)
	}
	f.Fuzz(func(t *testing.T, want, declared, name string, head []byte) {
		c, err := classify(Kind(want), declared, name, head, "body.file[0]")
		if err != nil {
			var e *errs.E
			if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("not a 400 naming a field: %v", err)
			}
			return
		}
		if !contains(Kinds, c.Kind) || contains(active, c.Type) || (accepted[c.Kind] != nil && !contains(accepted[c.Kind], c.Type)) ||
			strings.ContainsAny(c.Type, "; \r\n") {
			t.Fatalf("classified %+v", c)
		}
	})
}

// FuzzCleanName: a kept name is valid UTF-8 of at most 255 bytes with no control character and
// no path.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Cà phê.png", `C:\a\b.jpg`, "../x", "", "a\x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := cleanName(in, "x")
		if err != nil {
			return
		}
		if got == "" || len(got) > 255 || strings.ContainsAny(got, "/\\\x00\r\n") || got == ".." {
			t.Fatalf("%q kept as %q", in, got)
		}
		if _, err := cleanName(got, "x"); err != nil {
			t.Fatalf("%q is not stable: %v", got, err)
		}
	})
}

// FuzzMultipart: any body under any boundary goes through the upload's reading of parts (the
// same calls as Module.upload: NextPart, FormName, FileName, the part's Content-Type, classify
// of its head) without a panic, and every error is a 400 naming where.
func FuzzMultipart(f *testing.F) {
	f.Add("XyZ", []byte("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--XyZ--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=utf-8''C%C3%A0.pdf\r\n\r\n%PDF-1.4\r\n--b--"))
	f.Add("b", []byte("--b\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: form-data; name=file\r\n\r\n=FF=D8=FF\r\n--b--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		r := multipart.NewReader(bytes.NewReader(body), boundary)
		for i := 0; i < 20; i++ {
			p, err := r.NextPart()
			if err != nil {
				if err != io.EOF {
					checkField(t, bodyErr("body", err))
				}
				return
			}
			_ = printable(p.FormName())
			name, err := cleanName(p.FileName(), "body.file[0]")
			if err != nil {
				checkField(t, err)
				continue
			}
			head := make([]byte, sniffLen)
			n, err := io.ReadFull(p, head)
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				checkField(t, bodyErr("body.file[0]", err))
				return
			}
			if _, err := classify("", p.Header.Get("Content-Type"), name, head[:n], "body.file[0]"); err != nil {
				checkField(t, err)
			}
		}
	})
}

func checkField(t *testing.T, err error) {
	t.Helper()
	var e *errs.E
	if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 || !strings.HasPrefix(e.Fields[0].Location, "body") {
		t.Fatalf("not a 400 naming the body: %v", err)
	}
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
