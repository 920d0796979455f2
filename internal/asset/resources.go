package asset

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/gabriel-vasile/mimetype"
)

// resourceBucket is the folder of the static resources in their Disk.
const resourceBucket = "static"

// The document's /resources: static resources on local disk (receipt and invoice templates,
// banners for the customer display), the same for every tenant, public to read and written by
// the platform's staff. They are files, not rows: a name, a size, a type found in the content.

var resourceNameRe = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$`)

// resourceName checks a resource's name: a file name of letters, digits, '.', '_' and '-', not
// starting with a dot (no path, no hidden file).
func resourceName(name string) error {
	if !resourceNameRe.MatchString(name) {
		return errs.Field("path.name", "must be 1-255 letters, digits, '.', '_' or '-', not starting with '.'", name)
	}
	return nil
}

var staff = auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin}}

func (m *Module) resourceRoutes(s *api.Server) {
	api.Register(s, huma.Operation{OperationID: "list-resources", Method: http.MethodGet, Path: "/resources", Tags: []string{"Resources"},
		Summary: "List the static resources"}, auth.Requirement{Public: true},
		func(ctx context.Context, in *struct {
			Prefix string `query:"prefix" maxLength:"255"`
			Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
		}) (*struct{ Body []ListedObject }, error) {
			list, err := m.resources.List(ctx, resourceBucket, in.Prefix, max(in.Limit, 1))
			if err != nil {
				return nil, storageErr(err)
			}
			if list == nil {
				list = []ListedObject{}
			}
			return &struct{ Body []ListedObject }{Body: list}, nil
		})

	api.Register(s, huma.Operation{OperationID: "get-resource", Method: http.MethodGet, Path: "/resources/{name}", Tags: []string{"Resources"},
		Summary: "Download a static resource", Errors: []int{404},
		Responses: map[string]*huma.Response{"200": {Description: "The resource", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}, auth.Requirement{Public: true}, func(ctx context.Context, in *struct {
		Name string `path:"name"`
	}) (*huma.StreamResponse, error) {
		if err := resourceName(in.Name); err != nil {
			return nil, err
		}
		obj, err := m.resources.Open(ctx, resourceBucket, in.Name)
		if err != nil {
			return nil, err
		}
		head := make([]byte, sniffLen)
		n, _ := io.ReadFull(obj, head)
		if _, err := obj.Seek(0, io.SeekStart); err != nil {
			_ = obj.Close()
			return nil, storageErr(err)
		}
		typ := bare(mimetype.Detect(head[:n]).String())
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer obj.Close()
			r, w := humago.Unwrap(hctx)
			serveObject(w, r, obj, serving{ContentType: typ, CacheControl: "public, max-age=300",
				Disposition: Disposition{Filename: in.Name, Inline: strings.HasPrefix(typ, "image/")}})
		}}, nil
	})

	api.Register(s, huma.Operation{OperationID: "put-resource", Method: http.MethodPut, Path: "/resources/{name}", Tags: []string{"Resources"},
		Summary: "Store a static resource (the raw body), replacing one of the name",
		Description: "The Content-Type header (else the name's extension) must agree with the content; pages and scripts " +
			"are refused. Limits are those of the content's kind.",
		MaxBodyBytes: m.limits.Largest(), Errors: []int{413},
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}},
	}, staff, func(ctx context.Context, in *resourceIn) (*struct{ Body ListedObject }, error) {
		if err := resourceName(in.Name); err != nil {
			return nil, err
		}
		head := make([]byte, sniffLen)
		n, err := io.ReadFull(in.body, head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, bodyErr("body", err)
		}
		c, err := classify("", in.contentType, in.Name, head[:n], "body")
		if err != nil {
			return nil, err
		}
		body := &capped{r: io.MultiReader(strings.NewReader(string(head[:n])), in.body), limit: m.limits.Size(c.Kind)}
		info, err := m.resources.Put(ctx, resourceBucket, in.Name, body, c.Type)
		switch {
		case body.over:
			e := errs.Field("body", "is larger than the limit of a "+string(c.Kind), nil)
			e.Kind, e.Err = errs.TooLarge, ErrTooLarge
			return nil, e
		case err != nil && body.err != nil:
			return nil, bodyErr("body", body.err)
		case err != nil:
			return nil, storageErr(err)
		}
		return &struct{ Body ListedObject }{Body: ListedObject{Name: in.Name, Size: info.Size, LastModified: info.LastModified}}, nil
	})

	api.Register(s, huma.Operation{OperationID: "delete-resource", Method: http.MethodDelete, Path: "/resources/{name}", Tags: []string{"Resources"},
		Summary: "Delete a static resource", Errors: []int{404}}, staff,
		func(ctx context.Context, in *struct {
			Name string `path:"name"`
		}) (*struct{}, error) {
			if err := resourceName(in.Name); err != nil {
				return nil, err
			}
			obj, err := m.resources.Open(ctx, resourceBucket, in.Name)
			if err != nil {
				return nil, err
			}
			_ = obj.Close()
			return nil, storageErr(m.resources.Delete(ctx, resourceBucket, in.Name))
		})
}

// resourceIn is a resource's upload: the raw body, read as a stream.
type resourceIn struct {
	Name string `path:"name"`

	body        io.Reader
	contentType string
}

// Resolve takes the body as a stream (api.BodyStream).
func (in *resourceIn) Resolve(ctx huma.Context) []error {
	in.body = api.BodyStream(ctx, idleRead)
	in.contentType = ctx.Header("Content-Type")
	return nil
}
