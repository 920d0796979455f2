package search

import "context"

// Backend is a search engine holding the collections' documents: the embedded Bleve index
// (Embedded) or a Typesense cluster (Typesense). Filters reach it checked (Expr), with the
// caller's tenant scope already ANDed in.
type Backend interface {
	// Name names the backend in logs and the health check.
	Name() string
	// Ensure creates the collection when it does not exist.
	Ensure(ctx context.Context, c *Collection) error
	// Upsert adds or replaces documents.
	Upsert(ctx context.Context, c *Collection, docs []Document) error
	// Delete removes documents by id (a missing one is no error).
	Delete(ctx context.Context, c *Collection, ids []string) error
	// Search answers one request.
	Search(ctx context.Context, c *Collection, r *Request) (*SearchResult, error)
	// IDs calls fn with the ids of every document of the collection, in pages.
	IDs(ctx context.Context, c *Collection, fn func(ids []string) error) error
	// Close releases the backend.
	Close() error
}
