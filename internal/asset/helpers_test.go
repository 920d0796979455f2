package asset_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/id"
)

// part is one part of a multipart upload.
type part struct {
	field, filename, ctype string
	data                   []byte
}

// form encodes parts as a multipart/form-data body.
func form(t testing.TB, parts ...part) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		field := p.field
		if field == "" {
			field = "file"
		}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, p.filename))
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(p.data)
	}
	_ = w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// upload posts parts to /assets with the query.
func upload(e *apptest.Env, token string, q url.Values, parts ...part) *apptest.Response {
	ct, body := form(e.T, parts...)
	return e.Do(apptest.Request{Method: "POST", Path: "/assets?" + q.Encode(), Token: token, Body: body,
		Headers: map[string]string{"Content-Type": ct}})
}

// row is the part of a MetaLink the tests read.
type row struct {
	ID            string `json:"id"`
	OrganizerID   string `json:"organizerId"`
	MerchantID    string `json:"merchantId"`
	PrincipalType string `json:"principalType"`
	PrincipalID   string `json:"principalId"`
	Kind          string `json:"kind"`
	BucketName    string `json:"bucketName"`
	ObjectName    string `json:"objectName"`
	Link          string `json:"link"`
	Mimetype      string `json:"mimetype"`
	Size          int64  `json:"size"`
	Etag          string `json:"etag"`
	StorageType   string `json:"storageType"`
	OriginalName  string `json:"originalName"`
	Width         int    `json:"width"`
	Height        int    `json:"height"`
	ThumbnailName string `json:"thumbnailName"`
	ThumbnailLink string `json:"thumbnailLink"`
}

func rows(t testing.TB, r *apptest.Response) []row {
	t.Helper()
	var out []row
	r.JSON(t, &out)
	return out
}

// target is the query of an upload.
func target(principalType string, principal, merchant id.ID) url.Values {
	q := url.Values{"principalType": {principalType}, "principalId": {principal.String()}}
	if merchant != 0 {
		q.Set("merchantId", merchant.String())
	}
	return q
}

// fetched is an answer to a plain GET.
type fetched struct {
	status int
	header http.Header
	body   []byte
}

// fetch GETs a link: absolute (S3), or below the server's root (disk).
func fetch(t testing.TB, e *apptest.Env, link string, header ...string) fetched {
	t.Helper()
	if strings.HasPrefix(link, "/") {
		link = e.Root + link
	}
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fetched{status: resp.StatusCode, header: resp.Header, body: body}
}

// photo encodes a w x h gradient as PNG (with a transparent corner when alpha) or JPEG.
func photo(t testing.TB, format string, w, h int, alpha bool) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha && x < w/4 && y < h/4 {
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 128, A: a})
		}
	}
	var b bytes.Buffer
	var err error
	if format == "jpeg" {
		err = jpeg.Encode(&b, m, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&b, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdf is a small but real PDF.
var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// product makes a product of the merchant through commerce's route and returns its id.
func product(t testing.TB, e *apptest.Env, token string, merchant id.ID) id.ID {
	t.Helper()
	res := e.Must(201, apptest.Request{Method: "POST", Path: "/products", Token: token, Body: map[string]any{
		"name": "Cà phê sữa đá", "merchantId": merchant.String(),
		"variants": []map[string]any{{"sku": "CF-" + e.App.IDs.Next().String(), "price": 29000}}}}).Map(t)
	pid, err := id.Parse(res["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// decode decodes an image and returns its size.
func decode(t testing.TB, b []byte) (string, int, int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not an image (%d bytes): %v", len(b), err)
	}
	return format, cfg.Width, cfg.Height
}
