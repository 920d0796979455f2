package asset

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Disk keeps objects as files under a directory, one folder per bucket
// (<root>/<bucket>/<object>): the embedded default, under the data directory. Every path goes
// through an os.Root, so no object name (nor a symbolic link planted in the tree) reaches a file
// outside it. A Put writes a hidden temporary file beside the object, syncs it and renames it
// into place, so a reader sees the whole object or none.
type Disk struct {
	root   *os.Root
	bucket string
}

// NewDisk opens (creating) the directory dir for objects, new ones going to bucket.
func NewDisk(dir, bucket string) (*Disk, error) {
	if !validBucket(bucket) {
		return nil, fmt.Errorf("asset: bad bucket name %q", bucket)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("asset: %w", err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("asset: %w", err)
	}
	return &Disk{root: r, bucket: bucket}, nil
}

// Close releases the directory.
func (d *Disk) Close() error { return d.root.Close() }

// Type is DISK.
func (d *Disk) Type() StorageType { return StorageDisk }

// Bucket is the bucket new objects go to.
func (d *Disk) Bucket() string { return d.bucket }

// Ping checks that the directory is still there.
func (d *Disk) Ping(context.Context) error {
	_, err := d.root.Stat(".")
	return err
}

var (
	bucketRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	segmentRe = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)
)

// validBucket reports whether b is an S3 bucket name (which is also a safe folder name).
func validBucket(b string) bool { return bucketRe.MatchString(b) && !strings.Contains(b, "..") }

// validObject reports whether o is an object name the module makes: segments of letters,
// digits, '.', '_' and '-', none starting with '.', joined by '/'.
func validObject(o string) bool {
	if o == "" || len(o) > 1024 {
		return false
	}
	for _, s := range strings.Split(o, "/") {
		if !segmentRe.MatchString(s) {
			return false
		}
	}
	return true
}

func (d *Disk) name(bucket, object string) (string, error) {
	if !validBucket(bucket) || !validObject(object) {
		return "", ErrObjectName
	}
	return bucket + "/" + object, nil
}

// copyBuffers are the buffers of Put's copies: large enough for few system calls, reused.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Put writes r to a temporary file, syncs it and renames it into place.
func (d *Disk) Put(ctx context.Context, bucket, object string, r io.Reader, contentType string) (ObjectInfo, error) {
	name, err := d.name(bucket, object)
	if err != nil {
		return ObjectInfo{}, err
	}
	dir := path.Dir(name)
	if err := d.root.MkdirAll(dir, 0o750); err != nil {
		return ObjectInfo{}, fmt.Errorf("asset: %w", err)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := dir + "/.upload-" + hex.EncodeToString(rnd[:])
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("asset: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = f.Close()
			_ = d.root.Remove(tmp)
		}
	}()
	sum := md5.New()
	buf := copyBuffers.Get().(*[]byte)
	n, err := fill(io.MultiWriter(f, sum), ctxReader{ctx, r}, *buf)
	copyBuffers.Put(buf)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := f.Sync(); err != nil {
		return ObjectInfo{}, fmt.Errorf("asset: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("asset: %w", err)
	}
	if err := f.Close(); err != nil {
		return ObjectInfo{}, fmt.Errorf("asset: %w", err)
	}
	if err := d.root.Rename(tmp, name); err != nil {
		return ObjectInfo{}, fmt.Errorf("asset: %w", err)
	}
	done = true
	return ObjectInfo{Size: n, ETag: hex.EncodeToString(sum.Sum(nil)), ContentType: contentType, LastModified: st.ModTime().UTC()}, nil
}

// Open opens the object's file.
func (d *Disk) Open(_ context.Context, bucket, object string) (Object, error) {
	name, err := d.name(bucket, object)
	if err != nil {
		return nil, err
	}
	f, err := d.root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrObjectNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("asset: %w", err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, ErrObjectNotFound
	}
	return diskObject{File: f, info: ObjectInfo{Size: st.Size(), LastModified: st.ModTime().UTC()}}, nil
}

type diskObject struct {
	*os.File
	info ObjectInfo
}

func (o diskObject) Info() ObjectInfo { return o.info }

// Delete removes the object's file; an absent one is no error.
func (d *Disk) Delete(_ context.Context, bucket, object string) error {
	name, err := d.name(bucket, object)
	if err != nil {
		return err
	}
	if err := d.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("asset: %w", err)
	}
	return nil
}

// List returns the objects of a bucket whose names start with prefix, sorted, at most limit.
func (d *Disk) List(_ context.Context, bucket, prefix string, limit int) ([]ListedObject, error) {
	if !validBucket(bucket) {
		return nil, ErrObjectName
	}
	var out []ListedObject
	err := fs.WalkDir(d.root.FS(), bucket, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == bucket {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		name := strings.TrimPrefix(p, bucket+"/")
		if !strings.HasPrefix(name, prefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		out = append(out, ListedObject{Name: name, Size: info.Size(), LastModified: info.ModTime().UTC()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("asset: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ListedObject is one object of a listing.
type ListedObject struct {
	Name         string    `json:"name"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
}

// fill copies r to w in writes of a whole buffer: a multipart part hands out a few KiB per read,
// and a write (a system call, a hash update) per read would cost more than the copy itself.
func fill(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
