package search

import "github.com/banapos/bana/internal/platform/errs"

// The rules of search that other code and clients branch on (errors.Is). A bad parameter (a
// filter, a sort, a facet) is an errs.Field value naming it.
var (
	// ErrUnknownCollection: a collection search does not index (404).
	ErrUnknownCollection = errs.New(errs.NotFound, "no such search collection")
	// ErrForbidden: the caller lacks the permission that reads the collection (403).
	ErrForbidden = errs.New(errs.Forbidden, "the caller may not read this collection")
	// ErrBackend: the search engine did not answer (503).
	ErrBackend = errs.New(errs.Unavailable, "the search engine is unavailable")
)
