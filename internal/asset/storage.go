package asset

import (
	"context"
	"io"
	"time"
)

// Storage is where objects are kept: local disk (Disk, the default) or S3-compatible storage
// (S3). Objects are named by the module ("<organizer>/<id>.jpg"); a backend checks the names
// anyway. Every method honours ctx.
type Storage interface {
	// Type is the backend's storage type, recorded on every row it stores.
	Type() StorageType
	// Bucket is the bucket new objects go to.
	Bucket() string
	// Put stores r as object, streaming it: r is read once, to its end, and never held whole in
	// memory. A failed or cancelled Put leaves no object behind.
	Put(ctx context.Context, bucket, object string, r io.Reader, contentType string) (ObjectInfo, error)
	// Open opens an object for reading (ErrObjectNotFound when it is absent).
	Open(ctx context.Context, bucket, object string) (Object, error)
	// Delete removes an object; an absent one is no error.
	Delete(ctx context.Context, bucket, object string) error
	// Ping checks that the backend answers (for /ready).
	Ping(ctx context.Context) error
}

// Presigner is a Storage that hands out URLs its own server checks (S3's presigned URLs). A
// backend that is not one (disk) is read through the module's signed download route.
type Presigner interface {
	Presign(ctx context.Context, bucket, object string, ttl time.Duration, o Disposition) (string, error)
}

// Disposition is how a download presents itself to a browser.
type Disposition struct {
	ContentType string
	Filename    string
	Inline      bool // images are shown; everything else is downloaded
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Size         int64
	ETag         string
	ContentType  string
	LastModified time.Time
}

// Object is an open object: read it, seek in it (ranges), close it.
type Object interface {
	io.ReadSeekCloser
	Info() ObjectInfo
}
