package asset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// sniffLen is how much of an object's start is read to find its type (mimetype's limit).
const sniffLen = 4096

// PutInput is one object to store.
type PutInput struct {
	// Principal is what the object is attached to. OrganizerID is read for admins and the
	// system only: a tenant's caller stores in its own organizer.
	Principal Principal
	// MerchantID is the merchant the object belongs to; 0 for the organizer's own (a caller
	// confined to some merchants must name one).
	MerchantID id.ID
	// Kind asks for a kind; "" lets the content decide.
	Kind Kind
	// Name is the file name (kept for downloads); ContentType the declared type, checked
	// against the content ("" claims nothing).
	Name        string
	ContentType string
	// Body is read once, to its end, streamed to the backend.
	Body io.Reader
}

// Put stores one object, attached to its principal, and returns its row (with fresh links).
// The caller of ctx must be allowed to act for the organizer and merchant (auth.ActFor); code
// without a caller says auth.System. This is how ledger and invoice keep their files.
func (m *Module) Put(ctx context.Context, in PutInput) (*MetaLink, error) {
	t, err := m.target(ctx, in.Principal, in.MerchantID)
	if err != nil {
		return nil, err
	}
	row, err := m.stage(ctx, t, in, "body")
	if err != nil {
		return nil, err
	}
	if err := m.commit(ctx, []*MetaLink{row}); err != nil {
		return nil, err
	}
	m.output(ctx, row)
	return row, nil
}

// Get returns an object's row and opens the object for reading (close it). Another tenant's
// row, a deleted one or an absent one is errs.NotFound.
func (m *Module) Get(ctx context.Context, assetID id.ID) (*MetaLink, Object, error) {
	row, err := m.links.Get(ctx, assetID, query.ExcludeDeleted)
	if err != nil {
		return nil, nil, err
	}
	obj, err := m.storage.Open(ctx, row.BucketName, row.ObjectName)
	if err != nil {
		return nil, nil, err
	}
	return row, obj, nil
}

// List returns the rows of a principal's objects, newest first (at most query.MaxLimit).
func (m *Module) List(ctx context.Context, p Principal) ([]MetaLink, error) {
	rows, err := m.links.Find(ctx, &query.Filter{Where: map[string]any{"principalType": p.Type, "principalId": p.ID.String()},
		Limit: query.MaxLimit}, query.ExcludeDeleted)
	for i := range rows {
		m.output(ctx, &rows[i])
	}
	return rows, err
}

// Delete removes an object's row at once and its objects by a job (retried until done).
func (m *Module) Delete(ctx context.Context, assetID id.ID) error {
	return m.links.Delete(ctx, assetID, true)
}

// SignedURL returns a download link of an object (its thumbnail when thumb) valid for ttl (0:
// the default, an hour; at most seven days): presigned by S3, or signed by the module for disk.
func (m *Module) SignedURL(ctx context.Context, assetID id.ID, thumb bool, ttl time.Duration) (Link, error) {
	row, err := m.links.Get(ctx, assetID, query.ExcludeDeleted)
	if err != nil {
		return Link{}, err
	}
	return m.link(ctx, row, thumb, ttl)
}

// DeletePrincipal removes every object of a principal: a job (in the transaction of ctx, when
// there is one) hard-deletes the rows, and each row's objects are removed by a job of their own.
// Commerce's product deletion calls it through Deps.Deletions.
func (m *Module) DeletePrincipal(ctx context.Context, p Principal) error {
	if err := auth.ActFor(ctx, p.OrganizerID, 0); err != nil {
		return err
	}
	_, err := m.jobs.Insert(ctx, deletePrincipal{OrganizerID: p.OrganizerID, PrincipalType: p.Type, PrincipalID: p.ID}, nil)
	return err
}

// Link is a download link.
type Link struct {
	URL       string    `json:"link" doc:"Absolute (S3) or below the server's root (disk, starting with the API's base path)"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Thumbnail is the variant of a link to an object's thumbnail.
const Thumbnail = "THUMBNAIL"

// link signs a link of row's object, or of its thumbnail.
func (m *Module) link(ctx context.Context, row *MetaLink, thumb bool, ttl time.Duration) (Link, error) {
	if ttl <= 0 {
		ttl = m.limits.LinkTTL
	}
	ttl = min(ttl, m.limits.MaxLinkTTL)
	object, variant, d := row.ObjectName, "", Disposition{ContentType: row.Mimetype, Filename: string(row.OriginalName), Inline: row.Kind == KindImage}
	if thumb {
		if row.ThumbnailName == nil {
			return Link{}, ErrNoThumbnail
		}
		object, variant = *row.ThumbnailName, Thumbnail
		d.ContentType = thumbnailType(object)
		d.Filename = thumbFilename(row)
	}
	expires := m.clock.Now().Add(ttl)
	if p, ok := m.storage.(Presigner); ok && row.StorageType == m.storage.Type() {
		u, err := p.Presign(ctx, row.BucketName, object, ttl, d)
		return Link{URL: u, ExpiresAt: expires}, err
	}
	route := contentPath(row.ID)
	q, err := m.signer.sign(ctx, route, variant, expires)
	if err != nil {
		return Link{}, err
	}
	return Link{URL: m.basePath + route + "?" + q.Encode(), ExpiresAt: expires.Truncate(time.Second)}, nil
}

// thumbFilename is the file name a thumbnail is downloaded as: the original's, marked.
func thumbFilename(row *MetaLink) string {
	if row.ThumbnailName == nil {
		return string(row.OriginalName)
	}
	return strings.TrimSuffix(string(row.OriginalName), path.Ext(string(row.OriginalName))) + ".thumb" + path.Ext(*row.ThumbnailName)
}

// contentPath is the path of the signed download route of an object, below the base path.
func contentPath(assetID id.ID) string { return "/assets/" + assetID.String() + "/content" }

func thumbnailType(object string) string {
	if strings.HasSuffix(object, ".png") {
		return "image/png"
	}
	return "image/jpeg"
}

// output fills a row's links as the API returns it.
func (m *Module) output(ctx context.Context, row *MetaLink) {
	l, err := m.link(ctx, row, false, 0)
	if err != nil {
		m.log.WarnContext(ctx, "asset link", "asset", row.ID, "error", err)
		return
	}
	row.Link = l.URL
	if row.ThumbnailName != nil {
		if l, err := m.link(ctx, row, true, 0); err == nil {
			row.ThumbnailLink = l.URL
		}
	}
}

// target is where an upload goes: its organizer, merchant and principal, checked.
type target struct {
	organizer id.ID
	merchant  *id.ID
	principal Principal
}

// target checks that the caller may store objects of the principal at the merchant.
func (m *Module) target(ctx context.Context, p Principal, merchant id.ID) (target, error) {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return target{}, err
	}
	org := p.OrganizerID
	if !sc.All {
		org = sc.OrganizerID
	}
	if org <= 0 {
		return target{}, errs.Field("query.organizerId", "is required of an admin: the organizer the object belongs to", nil)
	}
	if !validPrincipalType(p.Type) {
		return target{}, errs.Field("query.principalType", "must be one of "+strings.Join(PrincipalTypes, ", "), p.Type)
	}
	if p.ID <= 0 {
		return target{}, errs.Field("query.principalId", "must be a decimal id", p.ID.String())
	}
	if err := auth.ActFor(ctx, org, merchant); err != nil {
		if !errors.Is(err, auth.ErrNotYourMerchant) {
			return target{}, err
		}
		if merchant == 0 {
			return target{}, errs.Field("query.merchantId", "is required: you act for some merchants only", nil)
		}
		return target{}, errs.Field("query.merchantId", "is not a merchant you may act for", merchant.String())
	}
	switch p.Type {
	case PrincipalMerchant:
		if err := auth.ActFor(ctx, org, p.ID); errors.Is(err, auth.ErrNotYourMerchant) {
			return target{}, errs.Field("query.principalId", "is not a merchant you may act for", p.ID.String())
		} else if err != nil {
			return target{}, err
		}
		if merchant != 0 && merchant != p.ID {
			return target{}, errs.Field("query.merchantId", "must be the merchant the object is attached to", merchant.String())
		}
		merchant = p.ID
	case PrincipalOrganizer:
		if p.ID != org {
			return target{}, errs.Field("query.principalId", "must be the organizer the object belongs to", p.ID.String())
		}
	}
	t := target{organizer: org, principal: Principal{Type: p.Type, ID: p.ID, OrganizerID: org}}
	if merchant != 0 {
		t.merchant = &merchant
	}
	return t, nil
}

// stage streams one object to the backend and builds its row (not yet stored): the type is
// found in the first bytes, the size limit of the kind applied as the bytes pass, an image's
// dimensions read back and a product image's thumbnail made. On failure nothing is left in the
// backend. loc names the part in errors.
func (m *Module) stage(ctx context.Context, t target, in PutInput, loc string) (*MetaLink, error) {
	name, err := cleanName(in.Name, loc)
	if err != nil {
		return nil, err
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(in.Body, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, bodyErr(loc, err)
	}
	head = head[:n]
	c, err := classify(in.Kind, in.ContentType, name, head, loc)
	if err != nil {
		return nil, err
	}
	limit := m.limits.Size(c.Kind)
	body := &capped{r: io.MultiReader(bytes.NewReader(head), in.Body), limit: limit}
	row := &MetaLink{ID: m.ids.Next(), OrganizerID: t.organizer, MerchantID: t.merchant, PrincipalType: t.principal.Type,
		PrincipalID: t.principal.ID, Kind: c.Kind, BucketName: m.storage.Bucket(), Mimetype: c.Type,
		StorageType: m.storage.Type(), OriginalName: db.OptText(name)}
	row.ObjectName = row.OrganizerID.String() + "/" + row.ID.String() + c.Ext
	info, err := m.storage.Put(ctx, row.BucketName, row.ObjectName, body, c.Type)
	switch {
	case body.over:
		e := errs.Field(loc, fmt.Sprintf("is larger than %d bytes, the limit of a %s", limit, c.Kind), nil)
		e.Kind, e.Err = errs.TooLarge, ErrTooLarge
		return nil, e
	case err != nil && body.err != nil:
		return nil, bodyErr(loc, body.err)
	case err != nil:
		return nil, storageErr(err)
	}
	row.Size, row.Etag = info.Size, info.ETag
	if c.Kind == KindImage {
		if err := m.inspect(ctx, row, loc); err != nil {
			m.discard(ctx, row)
			return nil, err
		}
	}
	return row, nil
}

// inspect records an image's dimensions, read back from the backend (the header only), and
// makes the thumbnail of a product's image.
func (m *Module) inspect(ctx context.Context, row *MetaLink, loc string) error {
	obj, err := m.storage.Open(ctx, row.BucketName, row.ObjectName)
	if err != nil {
		return storageErr(err)
	}
	w, h, err := dimensions(obj, row.Mimetype, m.limits.Pixels, loc)
	_ = obj.Close()
	if err != nil {
		return err
	}
	row.Width, row.Height = &w, &h
	if !slices.Contains(thumbnailed, row.PrincipalType) {
		return nil
	}
	if obj, err = m.storage.Open(ctx, row.BucketName, row.ObjectName); err != nil {
		return storageErr(err)
	}
	data, typ, _, _, err := thumbnail(obj, row.Mimetype, m.limits.Thumbnail)
	_ = obj.Close()
	if err != nil {
		e := errs.Field(loc, "is not a readable "+row.Mimetype+" image", row.Mimetype)
		e.Err = ErrNotImage
		return e
	}
	ext := ".jpg"
	if typ == "image/png" {
		ext = ".png"
	}
	thumb := row.OrganizerID.String() + "/" + row.ID.String() + ".thumb" + ext
	if _, err := m.storage.Put(ctx, row.BucketName, thumb, bytes.NewReader(data), typ); err != nil {
		return storageErr(err)
	}
	row.ThumbnailName = &thumb
	return nil
}

// commit stores the rows of staged objects in one transaction; when it fails, the objects are
// removed.
func (m *Module) commit(ctx context.Context, rows []*MetaLink) error {
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		for _, r := range rows {
			if err := m.links.Create(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, r := range rows {
			m.discard(ctx, r)
		}
	}
	return err
}

// discard removes a staged row's objects; one that cannot be removed is logged (an orphan in
// the backend, never a row without its object).
func (m *Module) discard(ctx context.Context, row *MetaLink) {
	ctx = context.WithoutCancel(ctx)
	for _, o := range row.Objects() {
		if err := m.storage.Delete(ctx, row.BucketName, o); err != nil {
			m.log.ErrorContext(ctx, "asset: an object of a failed upload is left behind", "bucket", row.BucketName, "object", o, "error", err)
		}
	}
}

// upload stores every part named "file" of a multipart body, in order, and their rows in one
// transaction: all of them or none.
func (m *Module) upload(ctx context.Context, t target, kind Kind, parts *multipart.Reader) ([]*MetaLink, error) {
	var rows []*MetaLink
	fail := func(err error) ([]*MetaLink, error) {
		for _, r := range rows {
			m.discard(ctx, r)
		}
		return nil, err
	}
	for {
		p, err := parts.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(bodyErr("body", err))
		}
		if p.FormName() != "file" {
			return fail(errs.Field("body", "has a part named "+printable(p.FormName())+": send each object as a part named file", nil))
		}
		loc := fmt.Sprintf("body.file[%d]", len(rows))
		if len(rows) == m.limits.Files {
			return fail(errs.Field(loc, fmt.Sprintf("is one too many: at most %d objects per upload", m.limits.Files), nil))
		}
		row, err := m.stage(ctx, t, PutInput{Kind: kind, Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Body: p}, loc)
		if err != nil {
			return fail(err)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, errs.Field("body.file", "is required: send each object as a part named file", nil)
	}
	if err := m.commit(ctx, rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		m.output(ctx, r)
	}
	return rows, nil
}

// printable quotes a part name for a message, or says it is not text.
func printable(s string) string {
	if _, err := cleanName(s, ""); err != nil || len(s) > 64 {
		return "that is not a plain name"
	}
	return fmt.Sprintf("%q", s)
}

// capped passes a body through, up to limit bytes: one byte more fails the read (over), and a
// read error of the body is kept (err), so that the caller tells a bad body from a backend
// that failed.
type capped struct {
	r     io.Reader
	limit int64
	n     int64
	over  bool
	err   error
}

func (c *capped) Read(p []byte) (int, error) {
	if room := c.limit - c.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		c.over = true
		return 0, ErrTooLarge
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// bodyErr classifies an error reading an upload: a body past the route's limit and a client
// that went away keep their own meaning; anything else is a malformed body (400).
func bodyErr(loc string, err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var e *errs.E
	if errors.As(err, &e) {
		return err
	}
	return errs.Field(loc, "could not be read: "+err.Error(), nil)
}

// storageErr is a backend that failed: a 503 whose cause stays in the log.
func storageErr(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.E
	if errors.As(err, &e) || errors.Is(err, context.Canceled) {
		return err
	}
	return errs.Wrap(errs.Unavailable, "the object storage failed", err)
}
