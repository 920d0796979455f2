package asset_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/id"
)

// TestProductImageOnDisk: an owner uploads a product's photo; the row records the type found,
// the size, the md5 etag, the dimensions and a thumbnail; the signed link serves the same
// bytes, the thumbnail link a 320-pixel image; a link with a changed signature, expiry, variant
// or id is refused; the file is under the data directory.
func TestProductImageOnDisk(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		mer := e.Merchant(100)
		pid := product(t, e, owner, mer)
		img := photo(t, "png", 800, 600, false)
		got := rows(t, e.Must(201, uploadReq(t, owner, target("PRODUCT", pid, mer), part{filename: "Cà phê.png", ctype: "image/png", data: img})))
		if len(got) != 1 {
			t.Fatalf("%d rows", len(got))
		}
		r := got[0]
		if r.Kind != "IMAGE" || r.Mimetype != "image/png" || r.Size != int64(len(img)) || r.Etag != md5hex(img) || r.StorageType != "DISK" ||
			r.Width != 800 || r.Height != 600 || r.ThumbnailName == "" || r.OriginalName != "Cà phê.png" || r.MerchantID != mer.String() ||
			r.PrincipalType != "PRODUCT" || r.PrincipalID != pid.String() || r.BucketName != "bana" {
			t.Fatalf("row: %+v", r)
		}
		if _, err := os.Stat(filepath.Join(e.App.Cfg.DataDir, "assets", r.BucketName, r.ObjectName)); err != nil {
			t.Fatalf("the object is not on disk: %v", err)
		}

		f := fetch(t, e, r.Link)
		if f.status != 200 || !bytes.Equal(f.body, img) || f.header.Get("Content-Type") != "image/png" ||
			f.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(f.header.Get("Content-Disposition"), "inline") {
			t.Fatalf("download: %d %v (%d bytes)", f.status, f.header, len(f.body))
		}
		if part := fetch(t, e, r.Link, "Range", "bytes=0-7"); part.status != 206 || !bytes.Equal(part.body, img[:8]) {
			t.Fatalf("range: %d %q", part.status, part.body)
		}
		th := fetch(t, e, r.ThumbnailLink)
		if format, w, h := decode(t, th.body); th.status != 200 || format != "jpeg" || w != 320 || h != 240 {
			t.Fatalf("thumbnail: %d %s %dx%d", th.status, format, w, h)
		}

		// The signature covers the path, the variant and the expiry.
		u, _ := url.Parse(r.Link)
		q := u.Query()
		tamper := map[string]func(q url.Values, path string) (url.Values, string){
			"signature": func(q url.Values, p string) (url.Values, string) {
				s := []byte(q.Get("signature"))
				s[3] ^= 1
				q.Set("signature", string(s))
				return q, p
			},
			"expiry":  func(q url.Values, p string) (url.Values, string) { q.Set("expires", q.Get("expires")+"0"); return q, p },
			"variant": func(q url.Values, p string) (url.Values, string) { q.Set("variant", "THUMBNAIL"); return q, p },
			"id": func(q url.Values, p string) (url.Values, string) {
				return q, strings.Replace(p, r.ID, id.ID(1).String(), 1)
			},
			"no signature": func(q url.Values, p string) (url.Values, string) { q.Del("signature"); return q, p },
		}
		for name, f := range tamper {
			cq, _ := url.ParseQuery(q.Encode())
			tq, p := f(cq, u.Path)
			if res := fetch(t, e, p+"?"+tq.Encode()); res.status != 403 {
				t.Errorf("a link with a changed %s: %d %s", name, res.status, res.body)
			}
		}

		// The rows are read through the CRUD routes, with fresh links; another tenant sees none.
		var list []row
		e.Must(200, apptest.Request{Method: "GET", Path: "/assets?filter=" + url.QueryEscape(`{"where":{"principalId":"`+pid.String()+`"}}`), Token: owner}).JSON(t, &list)
		if len(list) != 1 || list[0].ID != r.ID || list[0].Link == "" {
			t.Fatalf("list: %+v", list)
		}
		other := e.OwnerToken(200)
		e.Must(404, apptest.Request{Method: "GET", Path: "/assets/" + r.ID, Token: other})
		e.Must(404, apptest.Request{Method: "GET", Path: "/assets/" + r.ID + "/link", Token: other})
		var link struct {
			Link      string    `json:"link"`
			ExpiresAt time.Time `json:"expiresAt"`
		}
		e.Must(200, apptest.Request{Method: "GET", Path: "/assets/" + r.ID + "/link?variant=THUMBNAIL&expiresIn=120", Token: owner}).JSON(t, &link)
		if res := fetch(t, e, link.Link); res.status != 200 || time.Until(link.ExpiresAt) > 121*time.Second {
			t.Fatalf("thumbnail link: %d, expires %s", res.status, link.ExpiresAt)
		}
	})
}

// uploadReq builds an upload request.
func uploadReq(t testing.TB, token string, q url.Values, parts ...part) apptest.Request {
	ct, body := form(t, parts...)
	return apptest.Request{Method: "POST", Path: "/assets?" + q.Encode(), Token: token, Body: body, Headers: map[string]string{"Content-Type": ct}}
}

// TestSignedLinkExpires: a disk link is good until its expiry by the server's clock, and a 403
// after it.
func TestSignedLinkExpires(t *testing.T) {
	apptest.EachWithClock(t, time.Now(), func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		owner := e.OwnerToken(100)
		r := rows(t, e.Must(201, uploadReq(t, owner, target("ORGANIZER", 100, 0), part{filename: "bảng giá.pdf", data: pdf})))[0]
		var link struct {
			Link string `json:"link"`
		}
		e.Must(200, apptest.Request{Method: "GET", Path: "/assets/" + r.ID + "/link?expiresIn=60", Token: owner}).JSON(t, &link)
		f := fetch(t, e, link.Link)
		if f.status != 200 || !bytes.Equal(f.body, pdf) || f.header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(f.header.Get("Content-Disposition"), "attachment") || !strings.Contains(f.header.Get("Content-Disposition"), "utf-8''b%E1%BA%A3ng") {
			t.Fatalf("before expiry: %d %v", f.status, f.header)
		}
		clk.Advance(59 * time.Second)
		if f := fetch(t, e, link.Link); f.status != 200 {
			t.Fatalf("a second before expiry: %d %s", f.status, f.body)
		}
		clk.Advance(time.Second)
		if f := fetch(t, e, link.Link); f.status != 403 || !strings.Contains(string(f.body), "expired") {
			t.Fatalf("at expiry: %d %s", f.status, f.body)
		}
	})
}

// TestDeclaredTypeIsChecked: the declared type (the part's Content-Type, else the name's
// extension) must agree with the content, the kind asked for must take it, and pages are never
// stored; each refusal is a 400 naming the part.
func TestDeclaredTypeIsChecked(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		png := photo(t, "png", 40, 30, true)
		csv := []byte("sku,name,price\nCF-1,Cà phê,29000\nTR-1,Trà đào,35000\n")
		cases := []struct {
			name  string
			kind  string
			p     part
			want  int
			loc   string // of a refusal
			mtype string // of a success
			kindW string
		}{
			{"a PNG as PNG", "", part{filename: "logo.png", ctype: "image/png", data: png}, 201, "", "image/png", "IMAGE"},
			{"a PNG by its extension", "", part{filename: "logo.png", data: png}, 201, "", "image/png", "IMAGE"},
			{"a PNG with no claim", "", part{filename: "logo", ctype: "application/octet-stream", data: png}, 201, "", "image/png", "IMAGE"},
			{"a PDF declared PNG", "", part{filename: "logo.png", ctype: "image/png", data: pdf}, 400, "body.file[0].contentType", "", ""},
			{"a PDF named .png", "", part{filename: "logo.png", data: pdf}, 400, "body.file[0].contentType", "", ""},
			{"a PDF as an IMAGE", "IMAGE", part{filename: "menu.pdf", data: pdf}, 400, "body.file[0]", "", ""},
			{"a PDF", "", part{filename: "menu.pdf", ctype: "application/pdf", data: pdf}, 201, "", "application/pdf", "DOCUMENT"},
			{"a CSV declared text/csv", "", part{filename: "menu.csv", ctype: "text/csv", data: csv}, 201, "", "text/csv", "DOCUMENT"},
			{"an HTML page declared as text", "", part{filename: "x.txt", ctype: "text/plain", data: []byte("<html><script>alert(1)</script></html>")}, 400, "body.file[0]", "", ""},
			{"an SVG", "", part{filename: "logo.svg", ctype: "image/svg+xml", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}, 400, "body.file[0]", "", ""},
			{"a bad media type", "", part{filename: "a.png", ctype: "image/", data: png}, 400, "body.file[0].contentType", "", ""},
			{"bytes as a FILE", "FILE", part{filename: "backup.bin", data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)}, 201, "", "application/octet-stream", "FILE"},
			{"a PNG cut in its header", "", part{filename: "cut.png", ctype: "image/png", data: png[:20]}, 400, "body.file[0]", "", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				q := target("ORGANIZER", 100, 0)
				if c.kind != "" {
					q.Set("kind", c.kind)
				}
				res := e.Do(uploadReq(t, owner, q, c.p))
				if res.Status != c.want {
					t.Fatalf("status %d, want %d: %s", res.Status, c.want, res.Body)
				}
				if c.want != 201 {
					if !strings.Contains(string(res.Body), `"location":"`+c.loc+`"`) {
						t.Fatalf("want a refusal naming %s: %s", c.loc, res.Body)
					}
					return
				}
				if r := rows(t, res)[0]; r.Mimetype != c.mtype || r.Kind != c.kindW {
					t.Fatalf("stored as %s %s", r.Kind, r.Mimetype)
				}
			})
		}
		// A refused upload leaves nothing behind: not a row, not a file.
		var n struct{ Count int }
		e.Must(200, apptest.Request{Method: "GET", Path: "/assets/count", Token: owner}).JSON(t, &n)
		files := 0
		_ = filepath.Walk(filepath.Join(e.App.Cfg.DataDir, "assets"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				files++
			}
			return nil
		})
		if n.Count != 6 || files != 6 {
			t.Fatalf("%d rows and %d files, want 6 of each", n.Count, files)
		}
	})
}

// TestUploadRules: the limits and the tenant rules of an upload, each a 4xx naming its field.
func TestUploadRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		mine, theirs := e.Merchant(100), e.Merchant(200)
		img := photo(t, "jpeg", 64, 48, false)
		big := append(photo(t, "png", 8, 8, false), bytes.Repeat([]byte{0}, 20<<20)...) // 20 MiB and more: over an IMAGE's limit
		employee := e.EmployeeToken(100, []id.ID{mine}, "asset.write", "asset.read")
		cases := []struct {
			name   string
			token  string
			q      url.Values
			parts  []part
			status int
			loc    string
		}{
			{"an image over its kind's limit", owner, target("MERCHANT", mine, 0), []part{{filename: "big.png", data: big}}, 413, "body.file[0]"},
			{"another organizer's merchant", owner, target("PRODUCT", 5, theirs), []part{{filename: "a.jpg", data: img}}, 400, "query.merchantId"},
			{"another organizer's merchant as the principal", owner, target("MERCHANT", theirs, 0), []part{{filename: "a.jpg", data: img}}, 400, "query.principalId"},
			{"another organizer as the principal", owner, target("ORGANIZER", 200, 0), []part{{filename: "a.jpg", data: img}}, 400, "query.principalId"},
			{"an unknown principal type", owner, target("TABLE", 5, 0), []part{{filename: "a.jpg", data: img}}, 400, "query.principalType"},
			{"no file part", owner, target("MERCHANT", mine, 0), []part{{field: "note", filename: "", data: []byte("x")}}, 400, "body"},
			{"an employee without a merchant", employee, target("ORGANIZER", 100, 0), []part{{filename: "a.jpg", data: img}}, 400, "query.merchantId"},
			{"an employee at its merchant", employee, target("PRODUCT", 7, mine), []part{{filename: "a.jpg", data: img}}, 201, ""},
			{"eleven files", owner, target("MERCHANT", mine, 0), eleven(img), 400, "body.file[10]"},
			{"a browser's fake path", owner, target("MERCHANT", mine, 0), []part{{filename: `C:\fakepath\menu.jpg`, data: img}}, 201, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := upload(e, c.token, c.q, c.parts...)
				if res.Status != c.status || (c.loc != "" && !strings.Contains(string(res.Body), `"location":"`+c.loc+`"`)) {
					t.Fatalf("status %d, want %d naming %s: %s", res.Status, c.status, c.loc, res.Body)
				}
			})
		}
		e.Must(400, apptest.Request{Method: "POST", Path: "/assets?" + target("MERCHANT", mine, 0).Encode(), Token: owner, Body: `{"file":"x"}`})
		e.Must(403, uploadReq(t, e.EmployeeToken(100, []id.ID{mine}, "asset.read"), target("PRODUCT", 7, mine), part{filename: "a.jpg", data: img}))
		e.Must(401, uploadReq(t, "", target("PRODUCT", 7, mine), part{filename: "a.jpg", data: img}))
	})
}

func eleven(img []byte) []part {
	out := make([]part, 11)
	for i := range out {
		out[i] = part{filename: "a.jpg", data: img}
	}
	return out
}
