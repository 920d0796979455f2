package asset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config is how to reach S3-compatible storage (APP_ENV_MINIO_*).
type S3Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	UseSSL    bool
	Bucket    string
	Region    string // default us-east-1 (MinIO's); set so that no call asks the server for it
	// PartSize is the size of the parts of a streamed upload, each held in memory while it is
	// sent (default 8 MiB; at least 5 MiB, S3's minimum). An object up to one part is sent
	// in one PUT.
	PartSize int64
}

// S3 keeps objects in a bucket of S3-compatible storage (MinIO) through minio-go. Uploads of an
// unknown length (every upload: a multipart part carries none) are streamed in parts of
// PartSize, so memory per upload is one part, whatever the object's size. Downloads are
// presigned GET URLs that the storage server checks itself.
type S3 struct {
	c        *minio.Client
	bucket   string
	region   string
	partSize int64
	parts    sync.Pool

	mu    sync.Mutex
	ready map[string]bool // buckets known to exist
}

// NewS3 builds the client; it does not connect until the first call.
func NewS3(c S3Config) (*S3, error) {
	if !validBucket(c.Bucket) {
		return nil, fmt.Errorf("asset: bad bucket name %q", c.Bucket)
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.PartSize == 0 {
		c.PartSize = 8 << 20
	}
	c.PartSize = max(c.PartSize, 5<<20)
	cl, err := minio.New(c.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure: c.UseSSL, Region: c.Region})
	if err != nil {
		return nil, fmt.Errorf("asset: minio: %w", err)
	}
	s := &S3{c: cl, bucket: c.Bucket, region: c.Region, partSize: c.PartSize, ready: map[string]bool{}}
	s.parts.New = func() any { b := make([]byte, s.partSize); return &b }
	return s, nil
}

// Type is MINIO.
func (s *S3) Type() StorageType { return StorageMinio }

// Bucket is the bucket new objects go to.
func (s *S3) Bucket() string { return s.bucket }

// Ping asks whether the bucket exists (a round trip to the server).
func (s *S3) Ping(ctx context.Context) error {
	_, err := s.c.BucketExists(ctx, s.bucket)
	return err
}

// ensure makes the bucket on first use.
func (s *S3) ensure(ctx context.Context, bucket string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready[bucket] {
		return nil
	}
	ok, err := s.c.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("asset: minio: %w", err)
	}
	if !ok {
		err := s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: s.region})
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return fmt.Errorf("asset: minio: %w", err)
		}
	}
	s.ready[bucket] = true
	return nil
}

// Put reads up to one part: an object that fits is sent in one PUT of known length; a larger
// one streams as a multipart upload of unknown length, aborted by minio-go if r fails.
func (s *S3) Put(ctx context.Context, bucket, object string, r io.Reader, contentType string) (ObjectInfo, error) {
	if !validBucket(bucket) || !validObject(object) {
		return ObjectInfo{}, ErrObjectName
	}
	if err := s.ensure(ctx, bucket); err != nil {
		return ObjectInfo{}, err
	}
	buf := s.parts.Get().(*[]byte)
	defer s.parts.Put(buf)
	n, err := io.ReadFull(r, *buf)
	opts := minio.PutObjectOptions{ContentType: contentType, PartSize: uint64(s.partSize)}
	var info minio.UploadInfo
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		info, err = s.c.PutObject(ctx, bucket, object, bytes.NewReader((*buf)[:n]), int64(n), opts)
	case err != nil:
		return ObjectInfo{}, err
	default:
		info, err = s.c.PutObject(ctx, bucket, object, io.MultiReader(bytes.NewReader(*buf), r), -1, opts)
	}
	if err != nil {
		return ObjectInfo{}, s.fail(err)
	}
	return ObjectInfo{Size: info.Size, ETag: info.ETag, ContentType: contentType, LastModified: info.LastModified}, nil
}

// fail keeps the reader's own errors (a body past its limit, a client gone) as they are.
func (s *S3) fail(err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return fmt.Errorf("asset: minio: %w", err)
	}
	return err
}

// Open gets the object; minio-go's object reads lazily and seeks with ranged GETs.
func (s *S3) Open(ctx context.Context, bucket, object string) (Object, error) {
	if !validBucket(bucket) || !validObject(object) {
		return nil, ErrObjectName
	}
	o, err := s.c.GetObject(ctx, bucket, object, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("asset: minio: %w", err)
	}
	st, err := o.Stat()
	if err != nil {
		_ = o.Close()
		if code := minio.ToErrorResponse(err).Code; code == "NoSuchKey" || code == "NoSuchBucket" {
			return nil, ErrObjectNotFound
		}
		return nil, fmt.Errorf("asset: minio: %w", err)
	}
	return s3Object{Object: o, info: ObjectInfo{Size: st.Size, ETag: st.ETag, ContentType: st.ContentType, LastModified: st.LastModified}}, nil
}

type s3Object struct {
	*minio.Object
	info ObjectInfo
}

func (o s3Object) Info() ObjectInfo { return o.info }

// Delete removes the object; S3 answers an absent one as removed.
func (s *S3) Delete(ctx context.Context, bucket, object string) error {
	if !validBucket(bucket) || !validObject(object) {
		return ErrObjectName
	}
	if err := s.c.RemoveObject(ctx, bucket, object, minio.RemoveObjectOptions{}); err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "NoSuchKey" || code == "NoSuchBucket" {
			return nil
		}
		return fmt.Errorf("asset: minio: %w", err)
	}
	return nil
}

// Presign returns a presigned GET URL of the object, valid for ttl (at most 7 days, S3's
// limit), that makes the server answer with the disposition's type and file name.
func (s *S3) Presign(ctx context.Context, bucket, object string, ttl time.Duration, o Disposition) (string, error) {
	params := url.Values{}
	if o.ContentType != "" {
		params.Set("response-content-type", o.ContentType)
	}
	params.Set("response-content-disposition", o.header())
	u, err := s.c.PresignedGetObject(ctx, bucket, object, ttl, params)
	if err != nil {
		return "", fmt.Errorf("asset: minio: %w", err)
	}
	return u.String(), nil
}

// header is the Content-Disposition header of a download (RFC 6266; a Vietnamese file name is
// sent in the filename* form of RFC 2231).
func (o Disposition) header() string {
	kind := "attachment"
	if o.Inline {
		kind = "inline"
	}
	if o.Filename == "" {
		return kind
	}
	if h := mime.FormatMediaType(kind, map[string]string{"filename": o.Filename}); h != "" {
		return h
	}
	return kind
}
