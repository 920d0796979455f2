package asset

import (
	"context"
	"github.com/banapos/bana/internal/platform/db"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// idleRead is how long an upload may pause between two reads before it is cut.
const idleRead = 60 * time.Second

// assetRoutes registers the routes of /assets: the rows (list, count, find-one, get, delete,
// deleteBy, restore; rows are made by uploads only, and never changed), the upload, the link of
// an object and the signed download.
func (m *Module) assetRoutes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[MetaLink]{Table: m.links, Path: "/assets", Tag: "Assets", Singular: "asset", Permission: "asset",
		Disable: []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy}, Output: m.output})

	api.Register(s, huma.Operation{OperationID: "upload-assets", Method: http.MethodPost, Path: "/assets", Tags: []string{"Assets"},
		Summary: "Upload objects (multipart/form-data, one part named file per object)",
		Description: "Streams each part to the storage backend as it arrives: the declared type (the part's Content-Type, " +
			"else its file name's extension) must agree with the content, and the object must fit its kind's limit " +
			"(413 naming the part). An image's dimensions are recorded; a product's image gets a thumbnail. All parts are " +
			"stored or none. Answers the rows, with signed links.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: m.limits.Largest() + 1<<20, Errors: []int{413, 422},
	}, auth.Requirement{Permission: PermWrite}, m.uploadHandler)
	// The body is documented after registration: huma would read and validate a body whose
	// schema it was given, and this one streams (uploadIn.Resolve).
	if item := s.API.OpenAPI().Paths["/assets"]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"multipart/form-data": {
			Schema: &huma.Schema{Type: "object", Required: []string{"file"}, Properties: map[string]*huma.Schema{
				"file": {Type: "string", Format: "binary", Description: "One object; repeat the part for several"}}}}}}
	}

	api.Register(s, huma.Operation{OperationID: "get-asset-link", Method: http.MethodGet, Path: "/assets/{id}/link", Tags: []string{"Assets"},
		Summary: "A download link of an object or of its thumbnail",
		Description: "Presigned by the S3 storage, or signed by the server for disk (GET /assets/{id}/content). " +
			"Anyone holding the link may download until it expires.",
		Errors: []int{404}}, auth.Requirement{Permission: PermRead}, m.linkHandler)

	api.Register(s, huma.Operation{OperationID: "download-asset", Method: http.MethodGet, Path: "/assets/{id}/content", Tags: []string{"Assets"},
		Summary: "Download an object through a signed link",
		Description: "The link's signature is the credential: a link whose path, variant or expiry was changed, or that has " +
			"expired, is a 403. Supports ranges.",
		Errors: []int{403, 404},
		Responses: map[string]*huma.Response{"200": {Description: "The object", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}, auth.Requirement{Public: true}, m.downloadHandler)
}

// uploadIn is an upload: where the objects go, and the body, read as a stream.
type uploadIn struct {
	PrincipalType string `query:"principalType" required:"true" doc:"PRODUCT, PRODUCT_VARIANT, CATEGORY, MERCHANT, ORGANIZER, USER, EMPLOYEE, DEVICE, SALE_CHANNEL, LEDGER or INVOICE"`
	PrincipalID   string `query:"principalId" required:"true" doc:"The id of the row the objects are attached to"`
	MerchantID    string `query:"merchantId" doc:"The merchant the objects belong to; absent for the organizer's own"`
	OrganizerID   string `query:"organizerId" doc:"Admins: the organizer the objects belong to"`
	Kind          string `query:"kind" enum:"IMAGE,DOCUMENT,MEDIA,FILE" doc:"Absent: decided by the content"`

	body        io.Reader
	contentType string
}

// Resolve takes the body as a stream (api.BodyStream): huma does not read it.
func (in *uploadIn) Resolve(ctx huma.Context) []error {
	in.body = api.BodyStream(ctx, idleRead)
	in.contentType = ctx.Header("Content-Type")
	return nil
}

type uploadOut struct {
	Body []*MetaLink
}

func (m *Module) uploadHandler(ctx context.Context, in *uploadIn) (*uploadOut, error) {
	p := Principal{Type: in.PrincipalType}
	var err error
	if p.ID, err = api.ParseID("query.principalId", in.PrincipalID); err != nil {
		return nil, err
	}
	var merchant id.ID
	if in.MerchantID != "" {
		if merchant, err = api.ParseID("query.merchantId", in.MerchantID); err != nil {
			return nil, err
		}
	}
	if in.OrganizerID != "" {
		if p.OrganizerID, err = api.ParseID("query.organizerId", in.OrganizerID); err != nil {
			return nil, err
		}
	}
	mt, params, err := mime.ParseMediaType(in.contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errs.Field("header.Content-Type", "must be multipart/form-data with a boundary", in.contentType)
	}
	t, err := m.target(ctx, p, merchant)
	if err != nil {
		return nil, err
	}
	rows, err := m.upload(ctx, t, Kind(in.Kind), multipart.NewReader(in.body, params["boundary"]))
	if err != nil {
		return nil, err
	}
	return &uploadOut{Body: rows}, nil
}

type linkIn struct {
	api.IDParam
	Variant   string `query:"variant" enum:"ORIGINAL,THUMBNAIL" default:"ORIGINAL"`
	ExpiresIn int64  `query:"expiresIn" minimum:"1" maximum:"604800" doc:"Seconds the link is valid; default 3600"`
}

type linkOut struct {
	Body Link
}

func (m *Module) linkHandler(ctx context.Context, in *linkIn) (*linkOut, error) {
	rid, err := api.PathID(in.ID)
	if err != nil {
		return nil, err
	}
	l, err := m.SignedURL(ctx, rid, in.Variant == Thumbnail, time.Duration(in.ExpiresIn)*time.Second)
	if err != nil {
		return nil, err
	}
	return &linkOut{Body: l}, nil
}

type downloadIn struct {
	api.IDParam
	Variant   string `query:"variant" enum:"THUMBNAIL" doc:"Absent: the object itself"`
	Expires   string `query:"expires" doc:"Unix seconds, as signed"`
	Signature string `query:"signature"`
}

// downloadHandler checks the link's signature before it reads anything, then serves the object
// (ranges, conditional requests) as the type found at upload, never sniffed by a browser.
func (m *Module) downloadHandler(ctx context.Context, in *downloadIn) (*huma.StreamResponse, error) {
	rid, err := api.PathID(in.ID)
	if err != nil {
		return nil, err
	}
	if err := m.signer.verify(ctx, contentPath(rid), in.Variant, in.Expires, in.Signature); err != nil {
		return nil, err
	}
	// The signature is the credential: the row is read as the system.
	row, err := m.links.Get(auth.System(ctx), rid, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	object, typ, inline, name := row.ObjectName, row.Mimetype, row.Kind == KindImage, row.OriginalName
	if in.Variant == Thumbnail {
		if row.ThumbnailName == nil {
			return nil, ErrNoThumbnail
		}
		object, typ, name = *row.ThumbnailName, thumbnailType(*row.ThumbnailName), db.OptText(thumbFilename(row))
	}
	obj, err := m.storage.Open(ctx, row.BucketName, object)
	if err != nil {
		return nil, err
	}
	exp, _ := strconv.ParseInt(in.Expires, 10, 64)
	maxAge := max(0, exp-m.clock.Now().Unix())
	etag := row.Etag
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer obj.Close()
		r, w := humago.Unwrap(hctx)
		serveObject(w, r, obj, serving{ContentType: typ, Disposition: Disposition{Filename: string(name), Inline: inline},
			ETag: etag, CacheControl: "private, max-age=" + strconv.FormatInt(maxAge, 10)})
	}}, nil
}

// serving is how an object is served.
type serving struct {
	ContentType  string
	Disposition  Disposition
	ETag         string
	CacheControl string
}

// serveObject writes an object with http.ServeContent (ranges, If-None-Match) and headers that
// keep a browser from running it: its stored type, nosniff, and a sandbox.
func serveObject(w http.ResponseWriter, r *http.Request, obj Object, s serving) {
	h := w.Header()
	h.Set("Content-Type", s.ContentType)
	h.Set("Content-Disposition", s.Disposition.header())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if s.ETag != "" && !strings.ContainsAny(s.ETag, "\"\r\n") {
		h.Set("ETag", `"`+s.ETag+`"`)
	}
	if s.CacheControl != "" {
		h.Set("Cache-Control", s.CacheControl)
	}
	var content io.ReadSeeker = obj
	if d, ok := obj.(diskObject); ok {
		content = d.File // an *os.File goes out by sendfile
	}
	http.ServeContent(w, r, "", obj.Info().LastModified, content)
}
