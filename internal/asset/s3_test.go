package asset_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/asset"
	"github.com/banapos/bana/internal/asset/assettest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// eachS3 runs f on every database target, the server storing its objects in a real MinIO
// (BANA_TEST_MINIO_BIN), one bucket per target.
func eachS3(t *testing.T, f func(t *testing.T, e *apptest.Env, s3 *minio.Client, bucket string)) {
	srv := assettest.Start(t)
	client, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			bucket := "bana-" + tg.Name
			f(t, apptest.Start(t, tg, srv.Vars(bucket)), client, bucket)
		})
	}
}

// TestS3Uploads: on MinIO, an upload is stored in the bucket, its row says MINIO, and its
// links are presigned URLs that MinIO itself serves over HTTP; a link with a changed signature
// or path is refused by MinIO. A streamed upload larger than a part goes up as a multipart
// upload and comes back whole.
func TestS3Uploads(t *testing.T) {
	eachS3(t, func(t *testing.T, e *apptest.Env, s3 *minio.Client, bucket string) {
		owner := e.OwnerToken(100)
		mer := e.Merchant(100)
		pid := product(t, e, owner, mer)
		img := photo(t, "png", 640, 480, false)
		r := rows(t, e.Must(201, uploadReq(t, owner, target("PRODUCT", pid, mer), part{filename: "Trà đào.png", ctype: "image/png", data: img})))[0]
		if r.StorageType != "MINIO" || r.BucketName != bucket || r.Width != 640 || r.Height != 480 || r.Etag != md5hex(img) || r.ThumbnailName == "" {
			t.Fatalf("row: %+v", r)
		}
		st, err := s3.StatObject(context.Background(), bucket, r.ObjectName, minio.StatObjectOptions{})
		if err != nil || st.Size != int64(len(img)) || st.ContentType != "image/png" {
			t.Fatalf("in the bucket: %+v %v", st, err)
		}
		if !strings.HasPrefix(r.Link, "http://127.0.0.1:") || !strings.Contains(r.Link, "X-Amz-Signature=") {
			t.Fatalf("not a presigned link: %s", r.Link)
		}
		f := fetch(t, e, r.Link)
		if f.status != 200 || !bytes.Equal(f.body, img) || f.header.Get("Content-Type") != "image/png" ||
			!strings.Contains(f.header.Get("Content-Disposition"), "inline") {
			t.Fatalf("presigned download: %d %v", f.status, f.header)
		}
		th := fetch(t, e, r.ThumbnailLink)
		if format, w, h := decode(t, th.body); th.status != 200 || format != "jpeg" || w != 320 || h != 240 {
			t.Fatalf("thumbnail: %d %s %dx%d", th.status, format, w, h)
		}
		u, _ := url.Parse(r.Link)
		q := u.Query()
		sig := []byte(q.Get("X-Amz-Signature"))
		sig[0] = map[bool]byte{true: 'b', false: 'a'}[sig[0] == 'a']
		q.Set("X-Amz-Signature", string(sig))
		if f := fetch(t, e, u.Scheme+"://"+u.Host+u.Path+"?"+q.Encode()); f.status != 403 {
			t.Fatalf("a tampered signature: %d %s", f.status, f.body)
		}
		other := *u
		other.Path = strings.Replace(u.Path, r.ObjectName, *thumbName(r), 1)
		if f := fetch(t, e, other.String()); f.status != 403 {
			t.Fatalf("a presigned link moved to another object: %d %s", f.status, f.body)
		}

		// 20 MiB streamed with no length: more than a part (8 MiB), so a multipart upload.
		resp, body, sum := streamUpload(t, e, owner, "principalType=ORGANIZER&principalId=100&kind=FILE", 20<<20)
		if resp.StatusCode != 201 {
			t.Fatalf("large: %d %.300s", resp.StatusCode, body)
		}
		big := rowsOf(t, body)[0]
		got := fetch(t, e, big.Link)
		h := md5.Sum(got.body)
		if got.status != 200 || int64(len(got.body)) != 20<<20 || big.Size != 20<<20 || hex.EncodeToString(h[:]) != sum {
			t.Fatalf("large download: %d, %d bytes, row %+v", got.status, len(got.body), big)
		}
		if res := e.Must(200, apptest.Request{Method: "GET", Path: "/ready"}); !strings.Contains(string(res.Body), `"storage":"ok"`) {
			t.Fatalf("ready: %s", res.Body)
		}
	})
}

// TestS3GoAPI: the module's Go API, as ledger and invoice use it: Put a document for a
// principal, List and Get it back, sign a link, Delete it (the object goes by a job), and
// DeletePrincipal. Without a caller, nothing is reached.
func TestS3GoAPI(t *testing.T) {
	eachS3(t, func(t *testing.T, e *apptest.Env, s3 *minio.Client, bucket string) {
		sys := auth.System(context.Background())
		mod := e.App.Asset
		xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><HDon><DLHDon><TTChung><KHHDon>C26TAA</KHHDon></TTChung></DLHDon></HDon>`)
		inv := asset.Principal{Type: asset.PrincipalInvoice, ID: 4242, OrganizerID: 100}
		if _, err := mod.Put(context.Background(), asset.PutInput{Principal: inv, Name: "hd.xml", Body: bytes.NewReader(xml)}); err == nil {
			t.Fatal("a Put without a caller was accepted")
		}
		row, err := mod.Put(sys, asset.PutInput{Principal: inv, Name: "hóa đơn 0001.xml", ContentType: "application/xml", Body: bytes.NewReader(xml)})
		if err != nil {
			t.Fatal(err)
		}
		if row.Mimetype != "text/xml" || row.Kind != asset.KindDocument || row.OrganizerID != 100 || row.Link == "" {
			t.Fatalf("row: %+v", row)
		}
		list, err := mod.List(sys, inv)
		if err != nil || len(list) != 1 || list[0].ID != row.ID {
			t.Fatalf("list: %v %v", list, err)
		}
		_, obj, err := mod.Get(sys, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := io.ReadAll(obj)
		_ = obj.Close()
		if !bytes.Equal(back, xml) {
			t.Fatalf("read back %q", back)
		}
		link, err := mod.SignedURL(sys, row.ID, false, 0)
		if err != nil || fetch(t, e, link.URL).status != 200 {
			t.Fatalf("link %v: %v", link, err)
		}
		if err := mod.Delete(sys, row.ID); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, "the object to leave the bucket", func() bool {
			_, err := s3.StatObject(context.Background(), bucket, row.ObjectName, minio.StatObjectOptions{})
			return minio.ToErrorResponse(err).Code == "NoSuchKey"
		})

		a, _ := mod.Put(sys, asset.PutInput{Principal: inv, Name: "a.pdf", Body: bytes.NewReader(pdf)})
		b, _ := mod.Put(sys, asset.PutInput{Principal: inv, Name: "b.pdf", Body: bytes.NewReader(pdf)})
		if err := mod.DeletePrincipal(sys, inv); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, "the principal's objects to leave the bucket", func() bool {
			for _, r := range []*asset.MetaLink{a, b} {
				if _, err := s3.StatObject(context.Background(), bucket, r.ObjectName, minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
					return false
				}
			}
			return true
		})
		if list, _ := mod.List(sys, inv); len(list) != 0 {
			t.Fatalf("%d rows left", len(list))
		}
	})
}

func thumbName(r row) *string { return &r.ThumbnailName }

func rowsOf(t *testing.T, body []byte) []row {
	return rows(t, &apptest.Response{Status: 201, Body: body})
}
