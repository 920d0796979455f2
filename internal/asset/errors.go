package asset

import "github.com/banapos/bana/internal/platform/errs"

// The rules of asset that other code and clients branch on (errors.Is). Errors that name a field
// of the request (a declared type that the content contradicts, a file name that is not text)
// are errs.Field values naming it.
var (
	// ErrTooLarge: an object is larger than its kind's limit (413).
	ErrTooLarge = errs.New(errs.TooLarge, "object is larger than its kind allows")
	// ErrTooManyPixels: an image has more pixels than the limit (422).
	ErrTooManyPixels = errs.New(errs.Rule, "image has too many pixels")
	// ErrNotImage: an IMAGE that no decoder reads (400).
	ErrNotImage = errs.New(errs.Invalid, "content is not a readable image")
	// ErrObjectNotFound: the backend has no such object (404).
	ErrObjectNotFound = errs.New(errs.NotFound, "object not found")
	// ErrObjectName: a bucket or object name the backends refuse (400).
	ErrObjectName = errs.New(errs.Invalid, "bad bucket or object name")
	// ErrBadSignature: a signed link whose signature does not match (403).
	ErrBadSignature = errs.New(errs.Forbidden, "signature does not match")
	// ErrLinkExpired: a signed link past its expiry (403).
	ErrLinkExpired = errs.New(errs.Forbidden, "link has expired")
	// ErrNoThumbnail: a link to the thumbnail of an object that has none (404).
	ErrNoThumbnail = errs.New(errs.NotFound, "object has no thumbnail")
)
