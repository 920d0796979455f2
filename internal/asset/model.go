package asset

import (
	"github.com/banapos/bana/internal/platform/db"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/gabriel-vasile/mimetype"
	"github.com/uptrace/bun"
)

// MetaLink is the document's MetaLink: one stored object (a product's photo, a merchant's logo,
// a ledger's book, an invoice's XML) and the principal it belongs to. Rows are made by uploads
// (POST /assets, Module.Put), never by a client's JSON; Link and ThumbnailLink are fresh signed
// URLs computed on every read, not stored.
type MetaLink struct {
	bun.BaseModel `bun:"table:meta_links" json:"-"`

	ID            id.ID       `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID   id.ID       `bun:"organizer_id" json:"organizerId" readOnly:"true"`
	MerchantID    *id.ID      `bun:"merchant_id" json:"merchantId,omitempty" readOnly:"true" doc:"The merchant the object belongs to; absent for an organizer's own"`
	PrincipalType string      `bun:"principal_type" json:"principalType" readOnly:"true" doc:"What the object is attached to: PRODUCT, MERCHANT, ..."`
	PrincipalID   id.ID       `bun:"principal_id" json:"principalId" readOnly:"true"`
	Kind          Kind        `bun:"kind" json:"kind" readOnly:"true" enum:"IMAGE,DOCUMENT,MEDIA,FILE"`
	BucketName    string      `bun:"bucket_name" json:"bucketName" readOnly:"true"`
	ObjectName    string      `bun:"object_name" json:"objectName" readOnly:"true"`
	Link          string      `bun:"-" json:"link,omitempty" readOnly:"true" doc:"A signed URL of the object (presigned on S3), valid for an hour from the read"`
	Mimetype      string      `bun:"mimetype" json:"mimetype" readOnly:"true" doc:"The type found in the content (the declared type was checked against it)"`
	Size          int64       `bun:"size" json:"size" readOnly:"true" doc:"In bytes"`
	Etag          string      `bun:"etag" json:"etag" readOnly:"true"`
	StorageType   StorageType `bun:"storage_type" json:"storageType" readOnly:"true" enum:"DISK,MINIO"`
	OriginalName  db.OptText  `bun:"original_name" json:"originalName,omitempty" readOnly:"true" doc:"The file name the uploader gave"`
	Width         *int        `bun:"width" json:"width,omitempty" readOnly:"true" doc:"Images: in pixels"`
	Height        *int        `bun:"height" json:"height,omitempty" readOnly:"true" doc:"Images: in pixels"`
	ThumbnailName *string     `bun:"thumbnail_name" json:"thumbnailName,omitempty" readOnly:"true" doc:"Product images: the object name of the thumbnail"`
	ThumbnailLink string      `bun:"-" json:"thumbnailLink,omitempty" readOnly:"true"`
	CreatedAt     time.Time   `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt     time.Time   `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt     *time.Time  `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// Objects are the object names the row keeps: the object and its thumbnail.
func (l *MetaLink) Objects() []string {
	out := []string{l.ObjectName}
	if l.ThumbnailName != nil {
		out = append(out, *l.ThumbnailName)
	}
	return out
}

// Kind is what an object is, which sets the types it may have and its size limit.
type Kind string

// Kinds.
const (
	KindImage    Kind = "IMAGE"    // photos and logos: JPEG, PNG, GIF, WebP; dimensions recorded
	KindDocument Kind = "DOCUMENT" // PDF, XML, JSON, CSV, plain text, XLSX, DOCX
	KindMedia    Kind = "MEDIA"    // video and audio
	KindFile     Kind = "FILE"     // anything else that is not active content (exports, archives)
)

// Kinds lists the kinds.
var Kinds = []Kind{KindImage, KindDocument, KindMedia, KindFile}

// StorageType is where an object is kept.
type StorageType string

// Storage types (IGNIS's 'disk' and 'minio', upper-cased as the API's enums are).
const (
	StorageDisk  StorageType = "DISK"
	StorageMinio StorageType = "MINIO"
)

// Principal types: what an object may be attached to. The document's tables that own media,
// and the modules that store their files through asset (ledger's books, invoice's XML and PDF).
const (
	PrincipalProduct     = "PRODUCT"
	PrincipalVariant     = "PRODUCT_VARIANT"
	PrincipalCategory    = "CATEGORY"
	PrincipalMerchant    = "MERCHANT"
	PrincipalOrganizer   = "ORGANIZER"
	PrincipalUser        = "USER"
	PrincipalEmployee    = "EMPLOYEE"
	PrincipalDevice      = "DEVICE"
	PrincipalSaleChannel = "SALE_CHANNEL"
	PrincipalLedger      = "LEDGER"
	PrincipalInvoice     = "INVOICE"
)

// PrincipalTypes lists the principal types an object may be attached to.
var PrincipalTypes = []string{PrincipalProduct, PrincipalVariant, PrincipalCategory, PrincipalMerchant, PrincipalOrganizer,
	PrincipalUser, PrincipalEmployee, PrincipalDevice, PrincipalSaleChannel, PrincipalLedger, PrincipalInvoice}

// thumbnailed are the principal types whose images get a thumbnail (a product's photo is shown
// small on every POS screen).
var thumbnailed = []string{PrincipalProduct, PrincipalVariant}

// Principal is what objects are attached to: a row of another module, in an organizer.
type Principal struct {
	Type        string
	ID          id.ID
	OrganizerID id.ID
}

// Limits bound uploads. The zero value of a field takes its default (DefaultLimits).
type Limits struct {
	Image, Document, Media, File int64 // bytes per object of the kind
	Pixels                       int64 // width x height of an image
	Files                        int   // objects per upload request
	Thumbnail                    int   // the longest side of a thumbnail, in pixels
	LinkTTL                      time.Duration
	MaxLinkTTL                   time.Duration
	// Retention is how long a soft-deleted row keeps its object, so that a restore finds it;
	// then a job removes both.
	Retention time.Duration
}

// DefaultLimits are the limits of a module built without any.
var DefaultLimits = Limits{
	Image: 20 << 20, Document: 50 << 20, Media: 1 << 30, File: 2 << 30,
	Pixels: 50_000_000, Files: 10, Thumbnail: 320,
	LinkTTL: time.Hour, MaxLinkTTL: 7 * 24 * time.Hour, Retention: 30 * 24 * time.Hour,
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def int64) int64 {
		if v > 0 {
			return v
		}
		return def
	}
	l.Image, l.Document, l.Media, l.File = pick(l.Image, d.Image), pick(l.Document, d.Document), pick(l.Media, d.Media), pick(l.File, d.File)
	l.Pixels = pick(l.Pixels, d.Pixels)
	l.Files = int(pick(int64(l.Files), int64(d.Files)))
	l.Thumbnail = int(pick(int64(l.Thumbnail), int64(d.Thumbnail)))
	l.LinkTTL = time.Duration(pick(int64(l.LinkTTL), int64(d.LinkTTL)))
	l.MaxLinkTTL = time.Duration(pick(int64(l.MaxLinkTTL), int64(d.MaxLinkTTL)))
	l.Retention = time.Duration(pick(int64(l.Retention), int64(d.Retention)))
	return l
}

// Size is the size limit of a kind.
func (l Limits) Size(k Kind) int64 {
	switch k {
	case KindImage:
		return l.Image
	case KindDocument:
		return l.Document
	case KindMedia:
		return l.Media
	}
	return l.File
}

// Largest is the largest size limit of any kind.
func (l Limits) Largest() int64 { return max(l.Image, l.Document, l.Media, l.File) }

// accepted are the types each kind takes, as detected in the content.
var accepted = map[Kind][]string{
	KindImage: {"image/jpeg", "image/png", "image/gif", "image/webp"},
	KindDocument: {"application/pdf", "text/xml", "application/json", "text/csv", "text/plain",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	KindMedia: {"video/mp4", "video/webm", "video/quicktime", "audio/mpeg", "audio/wav", "audio/ogg", "audio/mp4"},
}

// active are types a browser runs or renders with scripts: never stored, whatever the kind, so
// that no link of the API's origin serves a page.
var active = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript", "application/javascript",
	"application/x-javascript", "text/x-php", "application/x-sh", "text/x-shellscript"}

// kindOf is the kind of a type when the uploader names none.
func kindOf(typ string) Kind {
	for _, k := range []Kind{KindImage, KindDocument, KindMedia} {
		if slices.Contains(accepted[k], typ) {
			return k
		}
	}
	return KindFile
}

// Classified is what classify found: the object's kind and its type.
type Classified struct {
	Kind Kind
	Type string // the type stored and served: "type/subtype", no parameters
	Ext  string // the extension of the object's name, with its dot, or ""
}

// classify checks an upload's declared type against its content and decides its kind. want is
// the kind the uploader asked for ("" lets the content decide); declared is the part's
// Content-Type ("" or application/octet-stream claims nothing, and the name's extension is
// used); name is the file name given; head is the start of the content (up to sniffLen bytes).
// loc names the part in errors ("body.file[0]"). The content is trusted over the claim: the
// stored type is the detected one, or the declared one when the content is plain text and the
// claim is a text format (CSV is text that detection cannot always tell).
func classify(want Kind, declared, name string, head []byte, loc string) (Classified, error) {
	if want != "" && !slices.Contains(Kinds, want) {
		return Classified{}, errs.Field("query.kind", "must be IMAGE, DOCUMENT, MEDIA or FILE", string(want))
	}
	claim := ""
	if strings.TrimSpace(declared) != "" {
		t, _, err := mime.ParseMediaType(declared)
		if err != nil {
			return Classified{}, errs.Field(loc+".contentType", "is not a media type", declared)
		}
		claim = t
	}
	if claim == "" || claim == "application/octet-stream" {
		claim = ""
		if ext := strings.ToLower(filepath.Ext(name)); ext != "" {
			if t, _, err := mime.ParseMediaType(mime.TypeByExtension(ext)); err == nil {
				claim = t
			}
		}
	}
	found := mimetype.Detect(head)
	typ := ""
	if claim == "" {
		typ = bare(found.String())
	} else {
		for m := found; m != nil; m = m.Parent() {
			if m.Is(claim) {
				typ = bare(found.String())
				break
			}
		}
		if typ == "" && found.Is("text/plain") {
			if l := mimetype.Lookup(claim); l != nil && descends(l, "text/plain") {
				typ = bare(l.String())
			}
		}
		if typ == "" {
			return Classified{}, errs.Field(loc+".contentType", "declares "+claim+" but the content is "+bare(found.String()), claim)
		}
	}
	if slices.Contains(active, typ) {
		return Classified{}, errs.Field(loc, "is "+typ+", which is not stored: it would run in a browser", typ)
	}
	kind := want
	if kind == "" {
		kind = kindOf(typ)
	}
	if kinds := accepted[kind]; kinds != nil && !slices.Contains(kinds, typ) {
		return Classified{}, errs.Field(loc, "is "+typ+"; a "+string(kind)+" must be one of "+strings.Join(kinds, ", "), typ)
	}
	ext := ""
	if l := mimetype.Lookup(typ); l != nil {
		ext = l.Extension()
	}
	return Classified{Kind: kind, Type: typ, Ext: ext}, nil
}

// bare strips a type's parameters ("text/plain; charset=utf-8" is "text/plain").
func bare(t string) string {
	b, _, _ := strings.Cut(t, ";")
	return strings.TrimSpace(b)
}

// descends reports whether m is t or one of t's descendants.
func descends(m *mimetype.MIME, t string) bool {
	for ; m != nil; m = m.Parent() {
		if m.Is(t) {
			return true
		}
	}
	return false
}

// cleanName checks a file name an uploader gave and returns it without any directory part (a
// Windows client may send one); an empty name becomes "file".
func cleanName(name, loc string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(name):
		return "", errs.Field(loc+".filename", "must be valid UTF-8", nil)
	case len(name) > 255:
		return "", errs.Field(loc+".filename", "must be at most 255 bytes", nil)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", errs.Field(loc+".filename", "must not contain control characters", nil)
	case name == "" || name == "." || name == "..":
		return "file", nil
	}
	return name, nil
}

// validPrincipalType reports whether t is a principal type objects may be attached to.
func validPrincipalType(t string) bool { return slices.Contains(PrincipalTypes, t) }
